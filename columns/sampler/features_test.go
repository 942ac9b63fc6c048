package sampler

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

func TestConditionalParams(t *testing.T) {
	country := sc("country", "category", &config.CategoryParams{Values: []any{"US", "FR"}})
	plan := sc("plan", "category", &config.CategoryParams{Values: []any{"free", "pro"}})
	price := sc("price", "uniform", &config.UniformParams{Low: 0, High: 1})
	cond(price, "country == 'US' and plan in ['pro', 'team']", &config.UniformParams{Low: 100, High: 101})
	cond(price, "country == 'US'", &config.UniformParams{Low: 10, High: 11})
	cond(price, "age > 30", &config.UniformParams{Low: 50, High: 51})
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{country, plan, price}})

	var priceUnit *columns.Unit
	for _, u := range units {
		if u.Columns[0] == "price" {
			priceUnit = u
		}
	}
	var deps []string
	for _, d := range priceUnit.Deps {
		deps = append(deps, d.Name)
	}
	if got := strings.Join(deps, ","); got != "country,plan,age" {
		t.Fatalf("deps = %s, want country,plan,age", got)
	}
	seen := map[string]bool{}
	for i := int64(0); i < 200; i++ {
		age := int64(20 + i%20)
		row := generate(t, units, i, map[string]any{"age": age})
		p := row["price"].(float64)
		var want float64
		switch {
		case row["country"] == "US" && row["plan"] == "pro":
			want = 100 // first matching condition wins
		case row["country"] == "US":
			want = 10
		case age > 30:
			want = 50
		}
		if p < want || p >= want+1 {
			t.Fatalf("row %v: price %v, want in [%v, %v)", row, p, want, want+1)
		}
		seen[pyStr(want)] = true
	}
	if len(seen) != 4 {
		t.Fatalf("not every branch was taken: %v", seen)
	}
}

func TestConditionOverObjects(t *testing.T) {
	p := sc("person", "person_from_faker", &config.PersonParams{AgeRange: []int{20, 60}})
	x := cond(sc("x", "category", &config.CategoryParams{Values: []any{"young"}}),
		"person.age >= 40", &config.CategoryParams{Values: []any{"old"}})
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{p, x}})
	for i := int64(0); i < 50; i++ {
		row := generate(t, units, i, nil)
		age, _ := row["person"].(*value.Map).Get("age")
		if want := map[bool]string{true: "old", false: "young"}[age.(int64) >= 40]; row["x"] != want {
			t.Fatalf("age %v: x = %v, want %v", age, row["x"], want)
		}
	}
}

func TestConditionRuntimeError(t *testing.T) {
	x := cond(sc("x", "uniform", &config.UniformParams{Low: 0, High: 1}), "age > 30", &config.UniformParams{Low: 5, High: 6})
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{x}})
	_, err := tryGenerate(units, 3, map[string]any{"age": "old"})
	var ce *columns.CellError
	if !errors.As(err, &ce) || ce.Row != 3 || ce.Column != "x" || ce.Kind != "sampler" || !strings.Contains(err.Error(), `condition "age > 30"`) {
		t.Fatalf("err = %#v (%v), want a sampler CellError for row 3", err, err)
	}
}

func TestConvertTo(t *testing.T) {
	tests := []struct {
		name string
		col  *config.SamplerColumn
		want value.Type
		ok   func(v any) bool
	}{
		{"float to int truncates", convertTo(sc("x", "uniform", &config.UniformParams{Low: 1, High: 2}), "int"),
			value.Int, func(v any) bool { return v == int64(1) }},
		{"negative float to int truncates toward zero", convertTo(sc("x", "uniform", &config.UniformParams{Low: -2, High: -1}), "int"),
			value.Int, func(v any) bool { return v == int64(-1) }},
		{"int to float", convertTo(sc("x", "category", &config.CategoryParams{Values: []any{3}}), "float"),
			value.Float, func(v any) bool { return v == 3.0 }},
		{"int to str", convertTo(sc("x", "category", &config.CategoryParams{Values: []any{3}}), "str"),
			value.String, func(v any) bool { return v == "3" }},
		{"float to str", convertTo(sc("x", "category", &config.CategoryParams{Values: []any{2.5, 2.0}}), "str"),
			value.String, func(v any) bool { return v == "2.5" || v == "2.0" }},
		{"bernoulli to str", convertTo(sc("x", "bernoulli", &config.BernoulliParams{P: 1}), "str"),
			value.String, func(v any) bool { return v == "1" }},
		{"datetime strftime", convertTo(sc("x", "datetime", &config.DatetimeParams{Start: "2024-03-05", End: "2024-03-06"}), "%d/%m/%Y %a %b"),
			value.String, func(v any) bool { return v == "05/03/2024 Tue Mar" }},
		{"timedelta strftime", convertTo(sc("x", "timedelta", &config.TimedeltaParams{DtMin: 2, DtMax: 3, ReferenceColumnName: "ref", Unit: "h"}), "%I %p"),
			value.String, func(v any) bool { return v == "02 PM" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &setup{cols: []*config.SamplerColumn{tt.col},
				others: []config.Column{&config.ExpressionColumn{ColumnBase: config.ColumnBase{Name: "ref", ColumnType: "expression"}}}}
			units := mustBuild(t, s)
			if typ, _ := outputType(units, "x"); !typ.Equal(tt.want) {
				t.Fatalf("type = %v, want %v", typ, tt.want)
			}
			for i := int64(0); i < 20; i++ {
				v := generate(t, units, i, map[string]any{"ref": "2024-01-01 12:00:00"})["x"]
				if !tt.ok(v) || !matches(v, tt.want) {
					t.Fatalf("row %d: %#v", i, v)
				}
			}
		})
	}
}

func TestDatetimeUnits(t *testing.T) {
	tests := []struct {
		unit  string
		check func(tm time.Time) bool
	}{
		{"Y", func(tm time.Time) bool { return tm.Month() == 1 && tm.Day() == 1 && tm.Hour() == 0 }},
		{"M", func(tm time.Time) bool { return tm.Day() == 1 && tm.Hour() == 0 }},
		{"D", func(tm time.Time) bool { return tm.Hour() == 0 && tm.Minute() == 0 }},
		{"h", func(tm time.Time) bool { return tm.Minute() == 0 && tm.Second() == 0 }},
		{"m", func(tm time.Time) bool { return tm.Second() == 0 }},
		{"s", func(tm time.Time) bool { return tm.Nanosecond() == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.unit, func(t *testing.T) {
			units := mustBuild(t, &setup{cols: []*config.SamplerColumn{sc("x", "datetime",
				&config.DatetimeParams{Start: "2020-01-01T00:00:00", End: "2024-06-30 12:00:00", Unit: tt.unit})}})
			distinct := map[string]bool{}
			for i := int64(0); i < 100; i++ {
				s := generate(t, units, i, nil)["x"].(string)
				tm, err := time.Parse(isoLayout, s)
				if err != nil || !tt.check(tm) || tm.Year() < 2020 || tm.After(time.Date(2024, 6, 30, 12, 0, 0, 0, time.UTC)) {
					t.Fatalf("row %d: %q not at unit %s in range (%v)", i, s, tt.unit, err)
				}
				distinct[s] = true
			}
			if len(distinct) < 4 {
				t.Fatalf("only %d distinct values", len(distinct))
			}
		})
	}
}

func TestTimedeltaFromDatetimeInSameUnit(t *testing.T) {
	// A constraint merges start and end into one unit; end reads start
	// from inside the unit.
	units := mustBuild(t, &setup{cols: []*config.SamplerColumn{
		sc("end", "timedelta", &config.TimedeltaParams{DtMin: 0, DtMax: 10, ReferenceColumnName: "start", Unit: "D"}),
		sc("start", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2024-02-01"}),
	}, constraints: []config.Constraint{{TargetColumn: "end", Operator: "gt", RHSColumn: "start"}}})
	if len(units) != 1 || strings.Join(units[0].Columns, ",") != "start,end" || len(units[0].Deps) != 0 {
		t.Fatalf("units = %+v, want one unit start,end without deps", units)
	}
	for i := int64(0); i < 100; i++ {
		row := generate(t, units, i, nil)
		if row["end"].(string) <= row["start"].(string) {
			t.Fatalf("row %d: end %v not after start %v", i, row["end"], row["start"])
		}
	}
}

func TestConstraints(t *testing.T) {
	uni := func(name string, lo, hi float64) *config.SamplerColumn {
		return sc(name, "uniform", &config.UniformParams{Low: lo, High: hi})
	}
	units := mustBuild(t, &setup{numRecords: 500, cols: []*config.SamplerColumn{
		uni("a", 0, 1), uni("b", 0, 1), uni("c", 0, 1), uni("free", 0, 1),
		cond(uni("d", 0, 1), "free > 0.5 or other > 1", &config.UniformParams{Low: 0, High: 2}),
	}, constraints: []config.Constraint{
		{TargetColumn: "a", Operator: "lt", RHSColumn: "b"},
		{TargetColumn: "c", Operator: "ge", RHSNumber: 0.5},
		{TargetColumn: "d", Operator: "le", RHSColumn: "c", ConstraintType: "column_inequality"},
		{TargetColumn: "b", Operator: "gt", RHSNumber: 0.2},
	}})
	var names [][]string
	var merged *columns.Unit
	for _, u := range units {
		names = append(names, u.Columns)
		if u.Columns[0] == "a" {
			merged = u
		}
	}
	if len(units) != 3 || merged == nil || strings.Join(merged.Columns, ",") != "a,b" {
		t.Fatalf("units = %v, want [a b] [c d] [free] in some order", names)
	}
	for _, u := range units {
		if strings.Join(u.Columns, ",") == "c,d" {
			var deps []string
			for _, d := range u.Deps {
				deps = append(deps, d.Name)
			}
			if strings.Join(deps, ",") != "free,other" || len(u.Outputs) != 2 || u.Outputs[1].Column != "d" {
				t.Fatalf("unit c,d: deps %v outputs %+v", deps, u.Outputs)
			}
		}
	}
	for i := int64(0); i < 500; i++ {
		row := generate(t, units, i, map[string]any{"other": int64(0)})
		a, b, c, d := row["a"].(float64), row["b"].(float64), row["c"].(float64), row["d"].(float64)
		if !(a < b) || !(c >= 0.5) || !(d <= c) || !(b > 0.2) {
			t.Fatalf("row %d violates a constraint: %v", i, row)
		}
	}
	// Rejection sampling keeps rows deterministic, whatever the row order.
	build := func() []*columns.Unit {
		return mustBuild(t, &setup{seed: 9, cols: []*config.SamplerColumn{uni("a", 0, 1), uni("b", 0, 1)},
			constraints: []config.Constraint{{TargetColumn: "a", Operator: "gt", RHSColumn: "b"}}})
	}
	first, second := build(), build()
	for i := int64(0); i < 20; i++ {
		x, y := generate(t, first, i, nil), generate(t, second, 19-i, nil)
		z := generate(t, second, i, nil)
		if x["a"] != z["a"] || x["b"] != z["b"] || y["a"].(float64) <= y["b"].(float64) {
			t.Fatalf("row %d: %v vs %v", i, x, z)
		}
	}
}

func TestImpossibleConstraintFails(t *testing.T) {
	units := mustBuild(t, &setup{numRecords: 10, cols: []*config.SamplerColumn{
		sc("a", "uniform", &config.UniformParams{Low: 0, High: 1}),
		sc("b", "uniform", &config.UniformParams{Low: 2, High: 3}),
	}, constraints: []config.Constraint{{TargetColumn: "b", Operator: "lt", RHSColumn: "a"}}})
	_, err := tryGenerate(units, 0, nil)
	var re *RejectionError
	var ce *columns.CellError
	if !errors.As(err, &re) || !errors.As(err, &ce) || ce.Kind != "sampler" || re.Attempts != 1000 {
		t.Fatalf("err = %v, want a CellError wrapping a RejectionError after 1000 attempts", err)
	}
	if want := "constraint b < a not satisfied after 1000 attempts for this row; the constraints may be impossible to satisfy"; !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to contain %q", err, want)
	}
	// The limit is per row: the next row makes its own 1000 attempts.
	if _, err := tryGenerate(units, 1, nil); !errors.As(err, &re) || re.Attempts != 1000 {
		t.Fatalf("second row: %v, want the same failure", err)
	}
}

func TestPerson(t *testing.T) {
	s := &setup{cols: []*config.SamplerColumn{
		sc("p", "person_from_faker", &config.PersonParams{Sex: "Female", AgeRange: []int{30, 40}, City: []string{"Austin", "Boston"}}),
		sc("q", "person", &config.PersonParams{Locale: "fr_FR"}),
		sc("r", "person_from_faker", &config.PersonParams{Locale: "de_DE"}),
		sc("s", "person_from_faker", &config.PersonParams{Locale: "en_GB"}),
	}}
	units := mustBuild(t, s)
	log := s.log.String()
	if strings.Count(log, "English/US data only") != 1 || !strings.Contains(log, "fr_FR (column q), de_DE (column r)") ||
		strings.Count(log, "persona datasets are not shipped") != 1 || strings.Contains(log, "en_GB") {
		t.Fatalf("warnings:\n%s", log)
	}
	want := []string{"first_name", "last_name", "sex", "age", "birth_date", "city", "state", "zipcode",
		"country", "email_address", "phone_number", "occupation"}
	sexes := map[any]int{}
	for i := int64(0); i < 200; i++ {
		row := generate(t, units, i, nil)
		p := row["p"].(*value.Map)
		if strings.Join(p.Keys(), ",") != strings.Join(want, ",") {
			t.Fatalf("fields = %v", p.Keys())
		}
		get := func(k string) any { v, _ := p.Get(k); return v }
		age := get("age").(int64)
		if get("sex") != "Female" || age < 30 || age > 40 || (get("city") != "Austin" && get("city") != "Boston") {
			t.Fatalf("person %v violates its params", p)
		}
		born, err := time.Parse("2006-01-02", get("birth_date").(string))
		if err != nil {
			t.Fatal(err)
		}
		years := ageReferenceDate.Year() - born.Year()
		if ageReferenceDate.YearDay() < born.YearDay() && !(born.Month() == 2 && born.Day() == 29) {
			years--
		}
		if int64(years) != age {
			t.Fatalf("birth_date %v gives age %d, want %d", born, years, age)
		}
		for _, k := range want {
			if v := get(k); v == nil || v == "" {
				t.Fatalf("field %s empty in %v", k, p)
			}
		}
		if !strings.Contains(get("email_address").(string), "@") {
			t.Fatalf("email %v", get("email_address"))
		}
		q, _ := row["q"].(*value.Map).Get("age")
		if a := q.(int64); a < 18 || a > 114 {
			t.Fatalf("default age %d outside [18, 114]", a)
		}
		s, _ := row["q"].(*value.Map).Get("sex")
		sexes[s]++
	}
	if sexes["Male"] < 60 || sexes["Female"] < 60 {
		t.Fatalf("sex split %v", sexes)
	}
}

func TestPyStr(t *testing.T) {
	pointOne := 0.1
	tests := []struct {
		give any
		want string
	}{
		{int64(3), "3"}, {2.5, "2.5"}, {2.0, "2.0"}, {math.Copysign(0, -1), "-0.0"}, {1e16, "1e+16"}, {1234567.5, "1234567.5"},
		{0.0001, "0.0001"}, {0.00001, "1e-05"}, {pointOne + 0.2, "0.30000000000000004"}, {"x", "x"},
	}
	for _, tt := range tests {
		if got := pyStr(tt.give); got != tt.want {
			t.Errorf("pyStr(%v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2024, 3, 5, 0, 7, 9, 123456000, time.UTC)
	tests := []struct{ give, want string }{
		{"%Y-%m-%d %H:%M:%S", "2024-03-05 00:07:09"},
		{"%y %b %B %a %A %j", "24 Mar March Tue Tuesday 065"},
		{"%I:%M %p", "12:07 AM"},
		{"%f %% %w", "123456 % 2"},
		{"%F %T", "2024-03-05 00:07:09"},
	}
	for _, tt := range tests {
		if err := checkStrftime(tt.give); err != nil {
			t.Errorf("checkStrftime(%q) = %v", tt.give, err)
		}
		if got := strftime(tm, tt.give); got != tt.want {
			t.Errorf("strftime(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
	for _, bad := range []string{"%Q", "%", "plain"} {
		if checkStrftime(bad) == nil {
			t.Errorf("checkStrftime(%q) accepted", bad)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	tests := []struct{ give, want string }{
		{"country == 'US'", "country"},
		{"age > 30 and plan in ['pro', 'team']", "age,plan"},
		{"person.age > 3 && len(name) > 2", "person,name"},
		{"let y = a; y > b", "a,b"},
		{"all(items, # > limit)", "items,limit"},
	}
	for _, tt := range tests {
		c := &config.ConditionalParams{Condition: tt.give}
		b := &builder{}
		got, ok := b.condition(c, nil)
		if !ok || strings.Join(got.names, ",") != tt.want {
			t.Errorf("identifiers(%q) = %v, want %s (%v)", tt.give, got, tt.want, b.diags)
		}
	}
}

func TestSpec(t *testing.T) {
	s := Spec()
	if s.Kind != "sampler" || s.Summary == "" || s.Build == nil {
		t.Fatalf("spec = %+v", s)
	}
	fields := map[string]bool{}
	for _, f := range s.Fields {
		fields[f.Name] = true
	}
	for _, want := range []string{"name", "sampler_type", "params", "conditional_params", "convert_to", "drop"} {
		if !fields[want] {
			t.Errorf("field %s missing from %v", want, s.Fields)
		}
	}
	if len(s.Extra) != len(SamplerTypes()) || len(s.Extra["params (scipy)"]) == 0 {
		t.Errorf("extra docs: %v", s.Extra)
	}
}

func BenchmarkGenerateRowOfFiveSamplers(b *testing.B) {
	units := mustBuild(b, &setup{seed: 1, cols: []*config.SamplerColumn{
		sc("cat", "category", &config.CategoryParams{Values: []any{"a", "b", "c"}, Weights: []float64{1, 2, 3}}),
		sc("u", "uniform", &config.UniformParams{Low: 0, High: 1, DecimalPlaces: ptr(2)}),
		sc("g", "gaussian", &config.GaussianParams{Mean: 0, Stddev: 1}),
		sc("d", "datetime", &config.DatetimeParams{Start: "2024-01-01", End: "2025-01-01"}),
		sc("id", "uuid", &config.UUIDParams{}),
	}})
	outs := make([][]any, len(units))
	for i, u := range units {
		outs[i] = make([]any, len(u.Outputs))
	}
	row := fakeRow{vals: map[string]any{}}
	ctx := b.Context()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		row.idx = int64(i)
		for j, u := range units {
			if err := u.Gen.Generate(ctx, row, outs[j]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
