package config

import "go.yaml.in/yaml/v3"

// Struct tags understood by the decoder (decode.go):
//
//	yaml:"name"        the key; yaml:",inline" merges an embedded struct; yaml:"-" skips
//	required:"true"    the key must be present and non-null
//	enum:"a,b,c"       the (string) value must be one of these
//	doc:"..."          one line for `synthgen columns` and the reference
//	default:"..."      the default shown in docs (defaults are applied in code)
//
// A field of type Meta receives the position of the mapping and of each key.

// Document is one config file, either form.
type Document struct {
	Meta            `yaml:"-"`
	Columns         []Column        `yaml:"columns" required:"true" doc:"the columns of the dataset, in any order"`
	ModelConfigs    []ModelConfig   `yaml:"model_configs" doc:"model aliases used by LLM and embedding columns"`
	ToolConfigs     []ToolConfig    `yaml:"tool_configs" doc:"tool aliases: sets of MCP tools an LLM column may call"`
	SeedConfig      *SeedConfig     `yaml:"seed_config" doc:"a local seed dataset whose columns every row can use"`
	Constraints     []Constraint    `yaml:"constraints" doc:"inequalities sampler columns must satisfy (rejection sampling)"`
	Processors      []Processor     `yaml:"processors" doc:"steps applied to each finished row group"`
	Profilers       yaml.Node       `yaml:"profilers" doc:"accepted and ignored"`
	ModelProviders  []ModelProvider `yaml:"model_providers" doc:"(ext) OpenAI-compatible endpoints"`
	MCPProviders    []MCPProvider   `yaml:"mcp_providers" doc:"(ext) MCP servers that provide tools"`
	RunConfig       *RunConfig      `yaml:"run_config" doc:"(ext) run settings"`
	RecordSelection *yaml.Node      `yaml:"record_selection" doc:"Data Designer field; only null is supported"`

	// File is the path the document was read from ("-" for stdin).
	File string `yaml:"-"`
	// Raw is the document body as written, before ${VAR} substitution (for
	// builder_config.json and the config hash, so no secret leaks).
	Raw *yaml.Node `yaml:"-"`
	// InvalidColumns are the names of columns that had errors and were left
	// out of Columns (so later checks do not report them again as unknown).
	InvalidColumns []string `yaml:"-"`
	// HomeModelProviders and HomeMCPProviders come from $SYNTHGEN_HOME
	// (default ~/.synthgen): model_providers.yaml and mcp_providers.yaml.
	HomeModelProviders []ModelProvider `yaml:"-"`
	// getenv is the lookup the document was loaded with.
	getenv func(string) (string, bool)
	// envValues are the environment values substituted, for Redact.
	envValues        [][2]string
	HomeMCPProviders []MCPProvider `yaml:"-"`
}

// wrapped is the `data_designer:` form.
type wrapped struct {
	DataDesigner      *yaml.Node `yaml:"data_designer" required:"true"`
	LibraryVersion    yaml.Node  `yaml:"library_version"`
	DatastoreSettings *yaml.Node `yaml:"datastore_settings"` // Data Designer 0.1.x; only null is supported
}

// Skip replaces a cell by a fixed value when a template is truthy.
type Skip struct {
	Meta  `yaml:"-"`
	When  string    `yaml:"when" required:"true" doc:"Jinja template; truthy skips the cell"`
	Value yaml.Node `yaml:"value" doc:"the value a skipped cell gets (scalar or null)"`
}

// ColumnBase holds the fields every column kind has.
type ColumnBase struct {
	Meta          `yaml:"-"`
	Name          string `yaml:"name" required:"true" doc:"output column name and template reference name"`
	ColumnType    string `yaml:"column_type" required:"true" doc:"the column kind"`
	Drop          bool   `yaml:"drop" default:"false" doc:"generate, but leave out of the output"`
	Skip          *Skip  `yaml:"skip" doc:"{when, value}: skip the cell when the template is truthy"`
	PropagateSkip *bool  `yaml:"propagate_skip" default:"true" doc:"skip when an upstream cell of the row was skipped"`
	AllowResize   bool   `yaml:"allow_resize" default:"false" doc:"Data Designer field; only false is supported"`
}

// Base returns the shared fields.
func (b *ColumnBase) Base() *ColumnBase { return b }

// Propagates reports the effective propagate_skip.
func (b *ColumnBase) Propagates() bool { return b.PropagateSkip == nil || *b.PropagateSkip }

// Column is one entry of `columns`: a pointer to one of the *Column types
// below, chosen by column_type.
type Column interface {
	Base() *ColumnBase
}

// Column kinds.
const (
	KindSampler        = "sampler"
	KindLLMText        = "llm-text"
	KindLLMCode        = "llm-code"
	KindLLMStructured  = "llm-structured"
	KindLLMJudge       = "llm-judge"
	KindExpression     = "expression"
	KindValidation     = "validation"
	KindSeedDataset    = "seed-dataset"
	KindEmbedding      = "embedding"
	kindImage          = "image"
	kindCustom         = "custom"
	samplerTypeInParam = "sampler_type"
)

// SamplerColumn draws values from a distribution.
type SamplerColumn struct {
	ColumnBase        `yaml:",inline"`
	SamplerType       string              `yaml:"sampler_type" doc:"the distribution; may instead be given inside params"`
	RawParams         *yaml.Node          `yaml:"params" required:"true" doc:"the sampler's parameters (see synthgen columns sampler)"`
	RawConditional    *yaml.Node          `yaml:"conditional_params" doc:"condition → params used for rows where it holds"`
	ConvertTo         *string             `yaml:"convert_to" doc:"int, float, str for numbers; a strftime format for datetimes"`
	Params            SamplerParams       `yaml:"-"`
	ConditionalParams []ConditionalParams `yaml:"-"`
}

// ConditionalParams is one entry of conditional_params, in file order.
type ConditionalParams struct {
	Condition string
	Params    SamplerParams
	Pos       Pos
	Path      string
}

// LLMColumn holds the fields shared by the four LLM kinds.
type LLMColumn struct {
	ColumnBase              `yaml:",inline"`
	ModelAlias              string              `yaml:"model_alias" required:"true" doc:"a model_configs alias"`
	Prompt                  string              `yaml:"prompt" required:"true" doc:"Jinja template for the user message"`
	SystemPrompt            string              `yaml:"system_prompt" doc:"Jinja template for the system message"`
	ToolAlias               string              `yaml:"tool_alias" doc:"a tool_configs alias: tools the model may call"`
	WithTrace               string              `yaml:"with_trace" enum:"none,last_message,all_messages" default:"none" doc:"write {name}__trace"`
	ExtractReasoningContent bool                `yaml:"extract_reasoning_content" default:"false" doc:"write {name}__reasoning_content"`
	MultiModalContext       []MultiModalContext `yaml:"multi_modal_context" doc:"images given to the model with the prompt"`
}

// MultiModalContext is one image input of an LLM column.
type MultiModalContext struct {
	Meta        `yaml:"-"`
	Modality    string `yaml:"modality" enum:"image" default:"image"`
	ColumnName  string `yaml:"column_name" required:"true"`
	DataType    string `yaml:"data_type" enum:"url,base64" default:"url"`
	ImageFormat string `yaml:"image_format" enum:"png,jpg,jpeg,gif,webp"`
}

// LLMTextColumn is an llm-text column.
type LLMTextColumn struct {
	LLMColumn `yaml:",inline"`
}

// LLMCodeColumn is an llm-code column.
type LLMCodeColumn struct {
	LLMColumn `yaml:",inline"`
	CodeLang  string `yaml:"code_lang" required:"true" enum:"bash,c,cobol,cpp,csharp,go,java,javascript,kotlin,python,ruby,rust,scala,swift,typescript,sql:sqlite,sql:tsql,sql:bigquery,sql:mysql,sql:postgres,sql:ansi" doc:"the language of the code block"`
}

// LLMStructuredColumn is an llm-structured column.
type LLMStructuredColumn struct {
	LLMColumn    `yaml:",inline"`
	OutputFormat *yaml.Node `yaml:"output_format" required:"true" doc:"a JSON Schema object"`
}

// LLMJudgeColumn is an llm-judge column.
type LLMJudgeColumn struct {
	LLMColumn `yaml:",inline"`
	Scores    []Score `yaml:"scores" required:"true" doc:"the rubric: list of {name, description, options}"`
}

// Score is one judge rubric.
type Score struct {
	Meta        `yaml:"-"`
	Name        string     `yaml:"name" required:"true"`
	Description string     `yaml:"description"`
	Options     *yaml.Node `yaml:"options" required:"true" doc:"map: option value → description"`
}

// ExpressionColumn renders a Jinja template per row.
type ExpressionColumn struct {
	ColumnBase `yaml:",inline"`
	Expr       string `yaml:"expr" required:"true" doc:"Jinja template rendered per row"`
	Dtype      string `yaml:"dtype" enum:"str,int,float,bool" default:"str" doc:"the value's type"`
}

// ValidationColumn validates other columns' values in batches.
type ValidationColumn struct {
	ColumnBase      `yaml:",inline"`
	TargetColumns   []string                `yaml:"target_columns" required:"true" doc:"the columns to validate"`
	ValidatorType   string                  `yaml:"validator_type" required:"true" enum:"code,remote,command,local_callable" doc:"code, remote or (ext) command"`
	ValidatorParams *yaml.Node              `yaml:"validator_params" required:"true" doc:"the validator's parameters"`
	BatchSize       int                     `yaml:"batch_size" default:"10" doc:"rows per validation call"`
	Code            *CodeValidatorParams    `yaml:"-"`
	Remote          *RemoteValidatorParams  `yaml:"-"`
	Command         *CommandValidatorParams `yaml:"-"`
}

// CodeValidatorParams configures the code validator.
type CodeValidatorParams struct {
	Meta          `yaml:"-"`
	ValidatorType string `yaml:"validator_type" doc:"may repeat the column's validator_type"`
	CodeLang      string `yaml:"code_lang" required:"true" enum:"python,sql:sqlite,sql:tsql,sql:bigquery,sql:mysql,sql:postgres,sql:ansi"`
}

// RemoteValidatorParams configures the remote validator.
type RemoteValidatorParams struct {
	Meta                `yaml:"-"`
	ValidatorType       string     `yaml:"validator_type" doc:"may repeat the column's validator_type"`
	EndpointURL         string     `yaml:"endpoint_url" required:"true"`
	OutputSchema        *yaml.Node `yaml:"output_schema"`
	Timeout             *float64   `yaml:"timeout" default:"30"`
	MaxRetries          *int       `yaml:"max_retries" default:"3"`
	RetryBackoff        *float64   `yaml:"retry_backoff" default:"2.0"`
	MaxParallelRequests *int       `yaml:"max_parallel_requests" default:"4"`
}

// CommandValidatorParams configures the (ext) command validator.
type CommandValidatorParams struct {
	Meta          `yaml:"-"`
	ValidatorType string   `yaml:"validator_type" doc:"may repeat the column's validator_type"`
	Command       []string `yaml:"command" required:"true" doc:"program and arguments; rows arrive as JSONL on stdin"`
}

// SeedDatasetColumn names one column taken from the seed dataset.
type SeedDatasetColumn struct {
	ColumnBase `yaml:",inline"`
}

// EmbeddingColumn embeds another column's text.
type EmbeddingColumn struct {
	ColumnBase   `yaml:",inline"`
	TargetColumn string `yaml:"target_column" required:"true"`
	ModelAlias   string `yaml:"model_alias" required:"true"`
}

// Constraint is one entry of the top-level constraints.
type Constraint struct {
	Meta           `yaml:"-"`
	TargetColumn   string    `yaml:"target_column" required:"true"`
	Operator       string    `yaml:"operator" required:"true" enum:"lt,le,gt,ge"`
	RHS            yaml.Node `yaml:"rhs" required:"true" doc:"a number, or a column name"`
	ConstraintType string    `yaml:"constraint_type" enum:"scalar_inequality,column_inequality"`
	// Resolved after decoding: exactly one of RHSNumber / RHSColumn is meaningful.
	RHSNumber float64 `yaml:"-"`
	RHSColumn string  `yaml:"-"`
}

// SeedConfig points at a local seed dataset.
type SeedConfig struct {
	Meta              `yaml:"-"`
	Source            *SeedSource        `yaml:"source" doc:"{seed_type: local, path}"`
	Dataset           string             `yaml:"dataset" doc:"path of the seed file (older Data Designer form)"`
	SamplingStrategy  string             `yaml:"sampling_strategy" enum:"ordered,shuffle" default:"ordered"`
	SelectionStrategy *SelectionStrategy `yaml:"selection_strategy"`
}

// SeedSource is where the seed rows come from.
type SeedSource struct {
	Meta     `yaml:"-"`
	SeedType string `yaml:"seed_type" enum:"local,hf,df,trace" default:"local"`
	Path     string `yaml:"path"`
	Token    string `yaml:"token" secret:"true" doc:"hf sources (not supported)"`
	Endpoint string `yaml:"endpoint" doc:"hf sources (not supported)"`
	Format   string `yaml:"format" doc:"trace sources (not supported)"`
}

// SelectionStrategy selects a part of the seed: an index range or a partition.
type SelectionStrategy struct {
	Meta          `yaml:"-"`
	Start         *int `yaml:"start"`
	End           *int `yaml:"end"`
	Index         *int `yaml:"index"`
	NumPartitions *int `yaml:"num_partitions"`
}

// Processor is one entry of processors.
type Processor struct {
	Meta          `yaml:"-"`
	Name          string     `yaml:"name"`
	ProcessorType string     `yaml:"processor_type" enum:"drop_columns,schema_transform"`
	BuildStage    string     `yaml:"build_stage" enum:"post_batch"`
	ColumnNames   []string   `yaml:"column_names" doc:"drop_columns: names or globs"`
	Template      *yaml.Node `yaml:"template" doc:"schema_transform: a mapping whose string leaves are Jinja"`
}

// ModelConfig is one model alias.
type ModelConfig struct {
	Meta                `yaml:"-"`
	Alias               string               `yaml:"alias" required:"true"`
	Model               string               `yaml:"model" required:"true"`
	Provider            string               `yaml:"provider"`
	SkipHealthCheck     bool                 `yaml:"skip_health_check"`
	StructuredOutputs   string               `yaml:"structured_outputs" enum:"prompt,native" default:"prompt"`
	ParseThinkTags      *bool                `yaml:"parse_think_tags" default:"true"`
	InferenceParameters *InferenceParameters `yaml:"inference_parameters"`
}

// InferenceParameters are the request settings of a model alias.
type InferenceParameters struct {
	Meta                `yaml:"-"`
	GenerationType      string     `yaml:"generation_type" enum:"chat-completion,embedding,image" default:"chat-completion"`
	Temperature         *Sampled   `yaml:"temperature"`
	TopP                *Sampled   `yaml:"top_p"`
	MaxTokens           *int       `yaml:"max_tokens"`
	MaxParallelRequests *int       `yaml:"max_parallel_requests" default:"4"`
	Timeout             *float64   `yaml:"timeout" default:"60"`
	ExtraBody           *yaml.Node `yaml:"extra_body"`
	EncodingFormat      string     `yaml:"encoding_format" enum:"float,base64"`
	// ExtraBodyMap is set for built-in aliases (their extra_body as a map).
	ExtraBodyMap map[string]any `yaml:"-"`
	Dimensions   *int           `yaml:"dimensions"`
}

// Sampled is a number or a distribution sampled per request.
type Sampled struct {
	Meta  `yaml:"-"`
	Fixed *float64
	Dist  *Distribution
}

// Distribution is {distribution_type, params}.
type Distribution struct {
	Meta             `yaml:"-"`
	DistributionType string     `yaml:"distribution_type" required:"true" enum:"uniform,manual"`
	Params           DistParams `yaml:"params" required:"true"`
}

// DistParams holds the parameters of a uniform or manual distribution.
type DistParams struct {
	Meta    `yaml:"-"`
	Low     *float64  `yaml:"low"`
	High    *float64  `yaml:"high"`
	Values  []float64 `yaml:"values"`
	Weights []float64 `yaml:"weights"`
}

// ModelProvider is an OpenAI-compatible endpoint.
type ModelProvider struct {
	Meta         `yaml:"-"`
	Name         string            `yaml:"name" required:"true"`
	Endpoint     string            `yaml:"endpoint" required:"true"`
	ProviderType string            `yaml:"provider_type" enum:"openai" default:"openai"`
	APIKey       string            `yaml:"api_key" secret:"true"`
	ExtraBody    *yaml.Node        `yaml:"extra_body"`
	ExtraHeaders map[string]string `yaml:"extra_headers" secret:"true"`
}

// MCPProvider is an MCP server that provides tools.
type MCPProvider struct {
	Meta         `yaml:"-"`
	Name         string            `yaml:"name" required:"true"`
	ProviderType string            `yaml:"provider_type" required:"true" enum:"stdio,sse,streamable_http"`
	Command      string            `yaml:"command"`
	Args         []string          `yaml:"args"`
	Env          map[string]string `yaml:"env" secret:"true"`
	Endpoint     string            `yaml:"endpoint"`
	APIKey       string            `yaml:"api_key" secret:"true"`
}

// ToolConfig is one tool alias.
type ToolConfig struct {
	Meta             `yaml:"-"`
	ToolAlias        string   `yaml:"tool_alias" required:"true"`
	Providers        []string `yaml:"providers" required:"true"`
	AllowTools       []string `yaml:"allow_tools"`
	MaxToolCallTurns *int     `yaml:"max_tool_call_turns" default:"5"`
	TimeoutSec       *float64 `yaml:"timeout_sec" default:"60"`
}

// RunConfig holds run settings.
type RunConfig struct {
	Meta                           `yaml:"-"`
	Seed                           *uint64           `yaml:"seed"`
	BufferSize                     *int              `yaml:"buffer_size" default:"1000"`
	MaxConversationRestarts        *int              `yaml:"max_conversation_restarts" default:"5"`
	MaxConversationCorrectionSteps *int              `yaml:"max_conversation_correction_steps" default:"0"`
	DisableEarlyShutdown           *bool             `yaml:"disable_early_shutdown" default:"false"`
	ShutdownErrorRate              *float64          `yaml:"shutdown_error_rate" default:"0.5"`
	ShutdownErrorWindow            *int              `yaml:"shutdown_error_window" default:"100"`
	ProgressInterval               *float64          `yaml:"progress_interval" default:"10"`
	WriteSpans                     *bool             `yaml:"write_spans" default:"true"`
	RequestAdmission               *RequestAdmission `yaml:"request_admission"`
}

// RequestAdmission tunes adaptive concurrency.
type RequestAdmission struct {
	Meta                         `yaml:"-"`
	MultiplicativeDecreaseFactor *float64 `yaml:"multiplicative_decrease_factor" default:"0.75"`
	AdditiveIncreaseStep         *int     `yaml:"additive_increase_step" default:"1"`
	SuccessesUntilIncrease       *int     `yaml:"successes_until_increase" default:"25"`
	CooldownSeconds              *float64 `yaml:"cooldown_seconds" default:"2.0"`
	StartupRampSeconds           *float64 `yaml:"startup_ramp_seconds" default:"0"`
	LatencySignal                *bool    `yaml:"latency_signal" default:"true"`
	RateLimitStallSeconds        *float64 `yaml:"rate_limit_stall_seconds" default:"600"`
}
