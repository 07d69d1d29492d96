logward_sdk::export_plugin!(logward_bundle::Bundle);
