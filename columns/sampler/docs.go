package sampler

import (
	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// paramTypes maps each sampler type to its params struct, for docs.
var paramTypes = []struct {
	name   string
	params any
}{
	{config.SamplerCategory, &config.CategoryParams{}},
	{config.SamplerSubcategory, &config.SubcategoryParams{}},
	{config.SamplerUniform, &config.UniformParams{}},
	{config.SamplerGaussian, &config.GaussianParams{}},
	{config.SamplerBernoulli, &config.BernoulliParams{}},
	{config.SamplerBernoulliMixture, &config.BernoulliMixtureParams{}},
	{config.SamplerBinomial, &config.BinomialParams{}},
	{config.SamplerPoisson, &config.PoissonParams{}},
	{config.SamplerScipy, &config.ScipyParams{}},
	{config.SamplerDatetime, &config.DatetimeParams{}},
	{config.SamplerTimedelta, &config.TimedeltaParams{}},
	{config.SamplerUUID, &config.UUIDParams{}},
	{config.SamplerPersonFromFaker, &config.PersonParams{}},
	{config.SamplerPerson, &config.PersonParams{}},
}

// SamplerTypes lists the supported sampler types in documentation order.
func SamplerTypes() []string {
	out := make([]string, len(paramTypes))
	for i, p := range paramTypes {
		out[i] = p.name
	}
	return out
}

// ScipyDistributions lists the supported scipy dist_name values, sorted.
func ScipyDistributions() []string { return distributionNames() }

// paramDocs documents the params of every sampler type, keyed
// "params (<sampler_type>)".
func paramDocs() map[string][]columns.FieldDoc {
	out := map[string][]columns.FieldDoc{}
	for _, p := range paramTypes {
		docs := fieldDocs(p.params, true)
		if p.name == config.SamplerScipy || p.name == config.SamplerBernoulliMixture {
			for i := range docs {
				if docs[i].Name == "dist_name" {
					docs[i].Enum = distributionNames()
				}
			}
		}
		out["params ("+p.name+")"] = docs
	}
	return out
}

// fieldDocs lists the documented fields of a config struct: sampler_type
// inside params and skip (not allowed on samplers) are left out.
func fieldDocs(v any, isParams bool) []columns.FieldDoc {
	if isParams {
		return columns.FieldsOf(v, "sampler_type")
	}
	return columns.FieldsOf(v, "skip")
}
