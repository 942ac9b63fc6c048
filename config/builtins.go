package config

// Built-in model providers, usable without model_providers.
var builtinProviders = []ModelProvider{
	{Name: "openai", Endpoint: "https://api.openai.com/v1", ProviderType: "openai", APIKey: "OPENAI_API_KEY"},
	{Name: "nvidia", Endpoint: "https://integrate.api.nvidia.com/v1", ProviderType: "openai", APIKey: "NVIDIA_API_KEY"},
	{Name: "openrouter", Endpoint: "https://openrouter.ai/api/v1", ProviderType: "openai", APIKey: "OPENROUTER_API_KEY"},
	{Name: "mock", ProviderType: "openai"}, // served in-process (spec/mock-provider.md)
}

// BuiltinProviders returns the built-in model providers (copies).
func BuiltinProviders() []ModelProvider { return append([]ModelProvider(nil), builtinProviders...) }

func fp(f float64) *Sampled { return &Sampled{Fixed: &f} }

// builtinModels are the model aliases usable without model_configs. An alias
// defined in the config replaces the built-in one of the same name.
func builtinModels() []ModelConfig {
	return []ModelConfig{
		{Alias: "nvidia-text", Model: "nvidia/nemotron-3-nano-30b-a3b", Provider: "nvidia",
			InferenceParameters: &InferenceParameters{Temperature: fp(1.0), TopP: fp(1.0)}},
		{Alias: "nvidia-reasoning", Model: "nvidia/nemotron-3-super-120b-a12b", Provider: "nvidia",
			InferenceParameters: &InferenceParameters{Temperature: fp(1.0), TopP: fp(0.95), ExtraBodyMap: map[string]any{"reasoning_effort": "medium"}}},
		{Alias: "openai-text", Model: "gpt-4.1", Provider: "openai",
			InferenceParameters: &InferenceParameters{Temperature: fp(0.85), TopP: fp(0.95)}},
		{Alias: "mock-text", Model: "mock-text", Provider: "mock", InferenceParameters: &InferenceParameters{}},
		{Alias: "mock-reasoning", Model: "mock-reasoning", Provider: "mock", InferenceParameters: &InferenceParameters{}},
	}
}

// Models returns the effective model aliases: the built-ins, replaced or
// extended by the config's model_configs. Keys are aliases.
func (doc *Document) Models() map[string]ModelConfig {
	out := map[string]ModelConfig{}
	for _, m := range builtinModels() {
		out[m.Alias] = m
	}
	for _, m := range doc.ModelConfigs {
		out[m.Alias] = m
	}
	return out
}
