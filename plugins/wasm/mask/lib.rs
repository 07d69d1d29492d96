logward_sdk::export_plugin!(logward_mask::Mask);
