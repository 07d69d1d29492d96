logward_sdk::export_plugin!(logward_chain::Chain);
