package config

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

// decodeYAML accepts a number or {distribution_type, params}.
func (s *Sampled) decodeYAML(d *decoder, n *yaml.Node, path, what string) {
	s.Meta = Meta{Pos: d.pos(n), Path: path}
	if f, ok := number(n); ok {
		s.Fixed = &f
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a number or {distribution_type, params}, got %s", d.describe(n))
		return
	}
	var dist Distribution
	d.decode(n, reflect.ValueOf(&dist).Elem(), path, "distribution")
	s.Dist = &dist
	p := dist.Params
	ppos, ppath := dist.Meta.At("params")
	switch dist.DistributionType {
	case "uniform":
		if p.Low == nil || p.High == nil {
			d.diags.Errorf(ppos, ppath, "a uniform distribution needs params low and high")
		} else if *p.Low > *p.High {
			d.diags.Errorf(ppos, ppath, "uniform distribution: low (%g) must not exceed high (%g)", *p.Low, *p.High)
		}
	case "manual":
		if len(p.Values) == 0 {
			d.diags.Errorf(ppos, ppath, "a manual distribution needs a non-empty params.values list")
		}
		if len(p.Weights) > 0 && len(p.Weights) != len(p.Values) {
			d.diags.Errorf(ppos, ppath, "manual distribution: %d weights for %d values", len(p.Weights), len(p.Values))
		}
	}
}
