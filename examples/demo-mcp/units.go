package main

import (
	"fmt"
	"slices"
	"strings"
)

// unit is a unit of length, mass or temperature. Length and mass convert
// through a factor to the base unit (metre, gram); temperatures through
// kelvin.
type unit struct {
	symbol    string
	dimension string  // "length", "mass" or "temperature"
	factor    float64 // base units per unit (length, mass)
}

// units maps every accepted spelling to its unit.
var units = map[string]unit{}

func init() {
	add := func(symbol, dimension string, factor float64, names ...string) {
		u := unit{symbol: symbol, dimension: dimension, factor: factor}
		for _, n := range append(names, symbol) {
			units[strings.ToLower(n)] = u
		}
	}
	add("mm", "length", 0.001, "millimeter", "millimeters", "millimetre", "millimetres")
	add("cm", "length", 0.01, "centimeter", "centimeters", "centimetre", "centimetres")
	add("m", "length", 1, "meter", "meters", "metre", "metres")
	add("km", "length", 1000, "kilometer", "kilometers", "kilometre", "kilometres")
	add("in", "length", 0.0254, "inch", "inches")
	add("ft", "length", 0.3048, "foot", "feet")
	add("yd", "length", 0.9144, "yard", "yards")
	add("mi", "length", 1609.344, "mile", "miles")
	add("mg", "mass", 0.001, "milligram", "milligrams")
	add("g", "mass", 1, "gram", "grams")
	add("kg", "mass", 1000, "kilogram", "kilograms")
	add("t", "mass", 1e6, "tonne", "tonnes", "metric ton")
	add("oz", "mass", 28.349523125, "ounce", "ounces")
	add("lb", "mass", 453.59237, "lbs", "pound", "pounds")
	add("°C", "temperature", 0, "c", "celsius", "degc")
	add("°F", "temperature", 0, "f", "fahrenheit", "degf")
	add("K", "temperature", 0, "k", "kelvin", "kelvins")
}

// unitSymbols lists the canonical symbols, for error messages.
func unitSymbols() string {
	var s []string
	for _, u := range units {
		if !slices.Contains(s, u.symbol) {
			s = append(s, u.symbol)
		}
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

// convert converts value between two units of the same dimension and
// describes the result, e.g. "5 km = 3.1068559612 mi".
func convert(value float64, from, to string) (string, error) {
	f, ok := units[strings.ToLower(strings.TrimSpace(from))]
	if !ok {
		return "", fmt.Errorf("unknown unit %q (known: %s)", from, unitSymbols())
	}
	t, ok := units[strings.ToLower(strings.TrimSpace(to))]
	if !ok {
		return "", fmt.Errorf("unknown unit %q (known: %s)", to, unitSymbols())
	}
	if f.dimension != t.dimension {
		return "", fmt.Errorf("cannot convert %s (%s) to %s (%s)", f.symbol, f.dimension, t.symbol, t.dimension)
	}
	var out float64
	if f.dimension == "temperature" {
		if k := toKelvin(value, f.symbol); k < 0 {
			return "", fmt.Errorf("%s %s is below absolute zero", formatNumber(value), f.symbol)
		} else {
			out = fromKelvin(k, t.symbol)
		}
	} else {
		out = value * f.factor / t.factor
	}
	return fmt.Sprintf("%s %s = %s %s", formatNumber(value), f.symbol, formatNumber(out), t.symbol), nil
}

func toKelvin(v float64, symbol string) float64 {
	switch symbol {
	case "°C":
		return v + 273.15
	case "°F":
		return (v-32)*5/9 + 273.15
	default:
		return v
	}
}

func fromKelvin(k float64, symbol string) float64 {
	switch symbol {
	case "°C":
		return k - 273.15
	case "°F":
		return (k-273.15)*9/5 + 32
	default:
		return k
	}
}
