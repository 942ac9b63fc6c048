package sampler

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// strftimeDirectives are the supported % directives (Python's strftime, C
// locale).
const strftimeDirectives = "%Y %m %d %H %M %S %y %b %B %a %A %j %p %I %f %w %F %T %%"

// checkStrftime reports an unsupported directive or a format without any.
func checkStrftime(format string) error {
	directives := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		if i+1 >= len(format) {
			return fmt.Errorf("the format ends with a lone %%; write %%%% for a literal %%")
		}
		i++
		if !strings.Contains(strftimeDirectives, "%"+format[i:i+1]) {
			return fmt.Errorf("unsupported directive %%%c; supported: %s", format[i], strftimeDirectives)
		}
		directives++
	}
	if directives == 0 {
		return fmt.Errorf("not a strftime format (no %% directive); e.g. \"%%Y-%%m-%%d\"")
	}
	return nil
}

// strftime formats t with a format accepted by checkStrftime.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			pad(t.Year(), 4)
		case 'm':
			pad(int(t.Month()), 2)
		case 'd':
			pad(t.Day(), 2)
		case 'H':
			pad(t.Hour(), 2)
		case 'M':
			pad(t.Minute(), 2)
		case 'S':
			pad(t.Second(), 2)
		case 'y':
			pad(t.Year()%100, 2)
		case 'b':
			b.WriteString(t.Month().String()[:3])
		case 'B':
			b.WriteString(t.Month().String())
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'A':
			b.WriteString(t.Weekday().String())
		case 'j':
			pad(t.YearDay(), 3)
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, 2)
		case 'f':
			pad(t.Nanosecond()/1000, 6)
		case 'w':
			pad(int(t.Weekday()), 1)
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
