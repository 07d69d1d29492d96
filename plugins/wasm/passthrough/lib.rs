logward_sdk::export_plugin!(logward_passthrough::Passthrough);
