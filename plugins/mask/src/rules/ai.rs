//! AI platforms: OpenAI, Anthropic, Hugging Face, Perplexity, Groq.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec::token("openai-api-key", "OpenAI API key (project, service account, admin, legacy)", &["t3blbkfj"], r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b"),
    RuleSpec::token("anthropic-api-key", "Anthropic API or admin key", &["sk-ant-"], r"\bsk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("huggingface-token", "Hugging Face user or organization token", &["hf_", "api_org_"], r"\b(?:hf_|api_org_)[A-Za-z]{34}\b")
    },
    RuleSpec::token("perplexity-api-key", "Perplexity API key", &["pplx-"], r"\bpplx-[A-Za-z0-9]{48}\b"),
    RuleSpec::token("groq-api-key", "Groq API key", &["gsk_"], r"\bgsk_[A-Za-z0-9]{52}\b"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("openai-api-key", &[("openaiApiKeyToken = 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", "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")], &["sk-T3BlbkFJ"]);
        let ant = "sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzAA";
        check("anthropic-api-key", &[(ant, ant)], &[
            "sk-ant-api03-abc123xyz-456de-klMnopqrstuvwx-3456yza789bcde-1234fghijklmnopAA",
            "sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzBB",
        ]);
        check("huggingface-token", &[("HF_TOKEN=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", "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")], &[
            "- (id)hf_requiredCharacteristicTypesForDisplayMetadata;",
            "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "def test_internal_api_org_inclusion_with_href(api_name):",
        ]);
        check("perplexity-api-key", &[("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", "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")], &["pplx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
    }
}
