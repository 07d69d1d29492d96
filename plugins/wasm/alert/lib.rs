logward_sdk::export_plugin!(logward_alert::Alert);
