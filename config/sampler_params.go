package config

import "go.yaml.in/yaml/v3"

// SamplerParams is the params object of one sampler type: a pointer to one of
// the *Params types below.
type SamplerParams interface{ samplerParams() }

// Sampler types.
const (
	SamplerCategory         = "category"
	SamplerSubcategory      = "subcategory"
	SamplerUniform          = "uniform"
	SamplerGaussian         = "gaussian"
	SamplerBernoulli        = "bernoulli"
	SamplerBernoulliMixture = "bernoulli_mixture"
	SamplerBinomial         = "binomial"
	SamplerPoisson          = "poisson"
	SamplerScipy            = "scipy"
	SamplerDatetime         = "datetime"
	SamplerTimedelta        = "timedelta"
	SamplerUUID             = "uuid"
	SamplerPersonFromFaker  = "person_from_faker"
	SamplerPerson           = "person"
)

// CategoryParams: one of values, optionally weighted.
type CategoryParams struct {
	Meta    `yaml:"-"`
	Type    string    `yaml:"sampler_type"`
	Values  []any     `yaml:"values" required:"true" doc:"1+ strings or numbers"`
	Weights []float64 `yaml:"weights" doc:"same length as values; normalized; sum > 0"`
}

// SubcategoryParams: a value from the list of the parent category's value.
type SubcategoryParams struct {
	Meta     `yaml:"-"`
	Type     string           `yaml:"sampler_type"`
	Category string           `yaml:"category" required:"true" doc:"name of a category sampler column"`
	Values   map[string][]any `yaml:"values" required:"true" doc:"parent value → list of values"`
}

// UniformParams: a continuous uniform number in [low, high).
type UniformParams struct {
	Meta          `yaml:"-"`
	Type          string  `yaml:"sampler_type"`
	Low           float64 `yaml:"low" required:"true"`
	High          float64 `yaml:"high" required:"true"`
	DecimalPlaces *int    `yaml:"decimal_places"`
}

// GaussianParams: a normal number.
type GaussianParams struct {
	Meta          `yaml:"-"`
	Type          string  `yaml:"sampler_type"`
	Mean          float64 `yaml:"mean" required:"true"`
	Stddev        float64 `yaml:"stddev" required:"true"`
	DecimalPlaces *int    `yaml:"decimal_places"`
}

// BernoulliParams: 1 with probability p, else 0.
type BernoulliParams struct {
	Meta `yaml:"-"`
	Type string  `yaml:"sampler_type"`
	P    float64 `yaml:"p" required:"true" doc:"in [0, 1]"`
}

// BernoulliMixtureParams: bernoulli(p) × a sample of the named distribution.
type BernoulliMixtureParams struct {
	Meta       `yaml:"-"`
	Type       string             `yaml:"sampler_type"`
	P          float64            `yaml:"p" required:"true"`
	DistName   string             `yaml:"dist_name" required:"true"`
	DistParams map[string]float64 `yaml:"dist_params" required:"true"`
}

// BinomialParams: successes in n trials.
type BinomialParams struct {
	Meta `yaml:"-"`
	Type string  `yaml:"sampler_type"`
	N    int     `yaml:"n" required:"true"`
	P    float64 `yaml:"p" required:"true"`
}

// PoissonParams: a Poisson count.
type PoissonParams struct {
	Meta `yaml:"-"`
	Type string  `yaml:"sampler_type"`
	Mean float64 `yaml:"mean" required:"true"`
}

// ScipyParams: a named scipy.stats distribution.
type ScipyParams struct {
	Meta          `yaml:"-"`
	Type          string             `yaml:"sampler_type"`
	DistName      string             `yaml:"dist_name" required:"true"`
	DistParams    map[string]float64 `yaml:"dist_params"`
	DecimalPlaces *int               `yaml:"decimal_places"`
}

// DatetimeParams: a datetime between start and end at a unit.
type DatetimeParams struct {
	Meta  `yaml:"-"`
	Type  string `yaml:"sampler_type"`
	Start string `yaml:"start" required:"true" doc:"date or datetime"`
	End   string `yaml:"end" required:"true" doc:"date or datetime"`
	Unit  string `yaml:"unit" enum:"Y,M,D,h,m,s" default:"D"`
}

// TimedeltaParams: a reference datetime plus a random offset.
type TimedeltaParams struct {
	Meta                `yaml:"-"`
	Type                string `yaml:"sampler_type"`
	DtMin               int    `yaml:"dt_min" required:"true" doc:"≥ 0"`
	DtMax               int    `yaml:"dt_max" required:"true" doc:"> dt_min"`
	ReferenceColumnName string `yaml:"reference_column_name" required:"true"`
	Unit                string `yaml:"unit" enum:"D,h,m,s" default:"D"`
}

// UUIDParams: a random UUID, hex without hyphens.
type UUIDParams struct {
	Meta      `yaml:"-"`
	Type      string `yaml:"sampler_type"`
	Prefix    string `yaml:"prefix"`
	ShortForm bool   `yaml:"short_form" doc:"8 hex characters"`
	Uppercase bool   `yaml:"uppercase"`
}

// PersonParams: a fake person (person_from_faker and person).
type PersonParams struct {
	Meta                       `yaml:"-"`
	Type                       string     `yaml:"sampler_type"`
	Locale                     string     `yaml:"locale" default:"en_US"`
	Sex                        string     `yaml:"sex" enum:"Male,Female"`
	City                       []string   `yaml:"city" oneormany:"true" doc:"a city or a list of cities"`
	AgeRange                   []int      `yaml:"age_range" doc:"[min, max]"`
	SelectFieldValues          *yaml.Node `yaml:"select_field_values" doc:"person: accepted, not used"`
	WithSyntheticPersonas      bool       `yaml:"with_synthetic_personas" doc:"person: accepted, not used"`
	SampleDatasetWhenAvailable bool       `yaml:"sample_dataset_when_available" doc:"person: accepted, not used"`
}

func (*CategoryParams) samplerParams()         {}
func (*SubcategoryParams) samplerParams()      {}
func (*UniformParams) samplerParams()          {}
func (*GaussianParams) samplerParams()         {}
func (*BernoulliParams) samplerParams()        {}
func (*BernoulliMixtureParams) samplerParams() {}
func (*BinomialParams) samplerParams()         {}
func (*PoissonParams) samplerParams()          {}
func (*ScipyParams) samplerParams()            {}
func (*DatetimeParams) samplerParams()         {}
func (*TimedeltaParams) samplerParams()        {}
func (*UUIDParams) samplerParams()             {}
func (*PersonParams) samplerParams()           {}
