logward_sdk::export_plugin!(logward_comply::Comply);
