package sampler

import (
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Person field names, in output order.
const (
	FieldFirstName    = "first_name"
	FieldLastName     = "last_name"
	FieldSex          = "sex"
	FieldAge          = "age"
	FieldBirthDate    = "birth_date"
	FieldCity         = "city"
	FieldState        = "state"
	FieldZipcode      = "zipcode"
	FieldCountry      = "country"
	FieldEmailAddress = "email_address"
	FieldPhoneNumber  = "phone_number"
	FieldOccupation   = "occupation"
)

// personType is the output type of person and person_from_faker columns.
var personType = value.Struct(
	value.Field{Name: FieldFirstName, Type: value.String},
	value.Field{Name: FieldLastName, Type: value.String},
	value.Field{Name: FieldSex, Type: value.String},
	value.Field{Name: FieldAge, Type: value.Int},
	value.Field{Name: FieldBirthDate, Type: value.String},
	value.Field{Name: FieldCity, Type: value.String},
	value.Field{Name: FieldState, Type: value.String},
	value.Field{Name: FieldZipcode, Type: value.String},
	value.Field{Name: FieldCountry, Type: value.String},
	value.Field{Name: FieldEmailAddress, Type: value.String},
	value.Field{Name: FieldPhoneNumber, Type: value.String},
	value.Field{Name: FieldOccupation, Type: value.String},
)

// PersonType returns the struct type of person values (a fresh copy).
func PersonType() value.Type {
	return value.Struct(append([]value.Field(nil), personType.Fields...)...)
}

// ageReferenceDate is the day on which a person's age is measured: birth_date
// is drawn so that the person is exactly `age` years old on it. It is fixed
// (not today) so that a seed gives the same values on every run.
var ageReferenceDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

const (
	defaultMinAge = 18
	defaultMaxAge = 114
	personCountry = "United States"
)

// person: one fake person per row from gofakeit (English/US data).
//
// first_name does not follow sex: gofakeit v7 (v7.18.1) has a single,
// ungendered first-name list (data "person"/"first") and no male or female
// name data or functions (its Gender only picks the word "male" or
// "female"), so a Female person may get a name commonly given to men and
// vice versa. Name lists are not hand-rolled here.
func (b *builder) person(c *config.SamplerColumn, p *config.PersonParams) drawer {
	ok := true
	if c.SamplerType == config.SamplerPerson && b.personUsed == "" {
		b.personUsed = c.Name
	}
	locale := p.Locale
	if locale != "" && !isEnglishLocale(locale) {
		if _, seen := b.locales[locale]; !seen {
			b.locales[locale] = c.Name
			b.localeOrder = append(b.localeOrder, locale)
		}
	}
	sex := p.Sex
	if sex != "" && sex != "Male" && sex != "Female" {
		pos, path := p.Meta.At("sex")
		b.errorf(pos, path, "sex %q must be Male or Female%s", sex, suggest(sex, []string{"Male", "Female"}))
		ok = false
	}
	minAge, maxAge := defaultMinAge, defaultMaxAge
	if p.AgeRange != nil {
		pos, path := p.Meta.At("age_range")
		switch {
		case len(p.AgeRange) != 2:
			b.errorf(pos, path, "age_range must be [min, max], got %d numbers", len(p.AgeRange))
			ok = false
		case p.AgeRange[0] < 0 || p.AgeRange[0] > p.AgeRange[1]:
			b.errorf(pos, path, "age_range [%d, %d] must have 0 ≤ min ≤ max", p.AgeRange[0], p.AgeRange[1])
			ok = false
		default:
			minAge, maxAge = p.AgeRange[0], p.AgeRange[1]
		}
	}
	var cities []string
	for _, city := range p.City {
		if city = strings.TrimSpace(city); city != "" {
			cities = append(cities, city)
		}
	}
	if !ok {
		return nil
	}
	return drawFunc(func(r *rand.Rand, _ lookup) (any, error) {
		f := gofakeit.NewFaker(r, false)
		s := sex
		if s == "" {
			s = "Female"
			if f.Bool() {
				s = "Male"
			}
		}
		first, last := f.FirstName(), f.LastName()
		age := minAge + f.IntN(maxAge-minAge+1)
		city := ""
		if len(cities) > 0 {
			city = cities[f.IntN(len(cities))]
		} else {
			city = f.City()
		}
		m := value.NewMap()
		m.Set(FieldFirstName, first)
		m.Set(FieldLastName, last)
		m.Set(FieldSex, s)
		m.Set(FieldAge, int64(age))
		m.Set(FieldBirthDate, birthDate(r, age).Format("2006-01-02"))
		m.Set(FieldCity, city)
		m.Set(FieldState, f.State())
		m.Set(FieldZipcode, f.Zip())
		m.Set(FieldCountry, personCountry)
		m.Set(FieldEmailAddress, emailAddress(f, first, last))
		m.Set(FieldPhoneNumber, f.PhoneFormatted())
		m.Set(FieldOccupation, f.JobTitle())
		return m, nil
	})
}

// birthDate is a uniformly random day on which a person born then is
// exactly age years old on ageReferenceDate.
func birthDate(r *rand.Rand, age int) time.Time {
	latest := ageReferenceDate.AddDate(-age, 0, 0)
	earliest := ageReferenceDate.AddDate(-age-1, 0, 1)
	days := int(latest.Sub(earliest).Hours()/24) + 1
	return earliest.AddDate(0, 0, r.IntN(days))
}

// emailAddress builds first.last@domain from the person's own name.
func emailAddress(f *gofakeit.Faker, first, last string) string {
	clean := func(s string) string {
		return strings.Map(func(c rune) rune {
			if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
				return unicode.ToLower(c)
			}
			return -1
		}, s)
	}
	return clean(first) + "." + clean(last) + "@" + f.DomainName()
}

// isEnglishLocale reports whether gofakeit's English/US data fits locale
// (en, en_US, en-GB, ...).
func isEnglishLocale(locale string) bool {
	l := strings.ToLower(locale)
	return l == "en" || strings.HasPrefix(l, "en_") || strings.HasPrefix(l, "en-")
}
