//! Chat platforms: Slack tokens (bot, user, workspace, legacy, app-level, configuration) and
//! webhooks, Discord webhooks, Telegram bot tokens, Microsoft Teams webhooks.

use crate::rule::{Boundary, Extract, RuleSpec};

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(2.5),
        ..RuleSpec::token("slack-token", "Slack bot/user/workspace/legacy token (xoxb-, xoxp-, xoxa-, xoxs-…)", &["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xoxe-"], r"\bxox[abposre]-[0-9]+-[A-Za-z0-9-]{7,}[A-Za-z0-9]")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("slack-config-token", "Slack app configuration access/refresh token", &["xoxe"], r"\bxoxe(?:\.xox[bp])?-[0-9]-[A-Za-z0-9]{100,}")
    },
    RuleSpec::token("slack-app-token", "Slack app-level token", &["xapp-"], r"\bxapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+\b"),
    RuleSpec {
        boundary: Boundary::Regex,
        ..RuleSpec::token("slack-webhook-url", "Slack incoming webhook / workflow URL", &["hooks.slack.com"], r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}")
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token("discord-webhook-url", "Discord webhook URL", &["/api/webhooks/"], r"/api/webhooks/([0-9]{17,20}/[A-Za-z0-9_-]{60,70})")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("telegram-bot-token", "Telegram bot token (bot id:secret)", &["telegram", "/bot"], r"\b[0-9]{5,16}:A[A-Za-z0-9_-]{34}\b")
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token(
            "teams-webhook-url",
            "Microsoft Teams incoming webhook URL",
            &["webhook.office.com", "outlook.office.com/webhook"],
            r"(?i)(?:webhook\.office\.com|outlook\.office\.com)/(webhookb?2?/[a-z0-9-]+@[a-z0-9-]+/IncomingWebhook/[a-z0-9]+/[a-z0-9-]+)",
        )
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn slack_tokens() {
        check("slack-token", &[
            ("var botToken = \"xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD\"", "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD"),
            ("slackToken=xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1", "xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1"),
        ], &["xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx", "xoxb-12345-abcd234", "xoxb-xoxb-my-bot-token", "xoxb-Slack_BOT_TOKEN",
             // IDs shown, the secret part blanked out: a token never ends in `-`
             "xoxp-572370529330-573807301142-572331691188-####################",
             "https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg"]);
        let refresh = format!("xoxe-1-{}", "My0xLTMxNzcwMjQ0MTcxMy01MTU4MTUyNjkxNzE0LTUxODE4NDI0MDY3MzYtMjA5MGFkOTFlZThkZWE2OGFlZDYwYWJjODNhYzAxYjA5ZjVmODBhYjgzN2QyNDdjOTNlOGY5NTg2YWM1OGM4Mg");
        check("slack-config-token", &[(&format!("refreshToken = {refresh}"), &refresh)], &["xoxe-1-xxx", "xoxe.xoxp-1-RANDOMSTRINGHERE"]);
        check("slack-app-token", &[("xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575", "xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575")], &["xapp-1-x"]);
    }

    #[test]
    fn webhooks() {
        check("slack-webhook-url", &[("post to https://hooks.slack.com/services/T000/B000/XXXXq8m3Lx9Vp2Rt7Nw4", "https://hooks.slack.com/services/T000/B000/XXXXq8m3Lx9Vp2Rt7Nw4")], &["see hooks.slack.com/services/"]);
        let url = "https://discord.com/api/webhooks/123456789012345678/Zq8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8Lm2Np9Qr3StZq8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0";
        check("discord-webhook-url", &[(url, &url[33..])], &["https://discord.com/api/webhooks/1/x"]);
        let teams = "https://mycompany.webhook.office.com/webhookb2/146d5upq-yxxr-z43n-g7d3-k6mog4hnmfwr@zxkx9d8a-yem1-gnac-pva1-z5hkpxatto7q/IncomingWebhook/a79tj15sbyu56vyy7th52x63bpgila86/s8w4lepn-sw56-94tc-svko-9a3o1ex4kotk";
        check("teams-webhook-url", &[(teams, &teams[37..])], &["https://mycompany.webhook.office.com/"]);
    }

    #[test]
    fn telegram() {
        check("telegram-bot-token", &[("telegramToken=79036971:A7cwngpe40jb_crpgo92gavpmohq8znxqqc", "79036971:A7cwngpe40jb_crpgo92gavpmohq8znxqqc")], &[
            "telegram_api_token = \"2322:Atfuw4_1ikcy7g1vmzxx9uihy-rjdvrp185\"",
            "telegram 12345678:Ashort",
        ]);
    }
}
