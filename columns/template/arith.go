package template

import (
	"errors"
	"fmt"
	"math"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// arithFilter is the filter Parse puts in place of every /, // and %
// (gonja's versions truncate, divide by zero silently and treat a string
// left of % as the number 0). a OP b becomes
//
//	a | __synthgen_arith__('OP', b, tuple)
//
// where tuple tells whether b is a tuple literal: 'fmt' % (x, y) formats
// with the tuple's items as arguments. arithOp computes it.
const arithFilter = "__synthgen_arith__"

// errDivisionByZero is the render error of x / 0, x // 0 and x % 0 (Jinja2
// raises ZeroDivisionError).
var errDivisionByZero = errors.New("division by zero")

// arithmetic returns the arithFilter call that replaces e, whose operator is
// /, // or %.
func arithmetic(e *nodes.BinaryExpression) nodes.Expression {
	tok := e.Operator.Token
	_, tuple := e.Right.(*nodes.Tuple)
	return &nodes.FilteredExpression{
		Expression: e.Left,
		Filters: []*nodes.FilterCall{{
			Token: tok,
			Name:  arithFilter,
			Args: []nodes.Expression{
				&nodes.String{Location: tok, Val: tok.Val},
				e.Right,
				&nodes.Bool{Location: tok, Val: tuple},
			},
			Kwargs: map[string]nodes.Expression{},
		}},
	}
}

// filterArith is arithFilter: in OP right, as Python computes it.
func filterArith(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if len(params.Args) != 3 || len(params.KwArgs) != 0 {
		return invalidCall(errors.New("internal: arithmetic takes an operator, an operand and a flag"))
	}
	op, right, tuple := params.Args[0].String(), params.Args[1], params.Args[2].Bool()
	v, err := arithOp(op, in, right, tuple)
	if err != nil {
		return invalidCall(err)
	}
	return exec.AsValue(v)
}

// arithOp computes left op right for op /, // or %, with Python's
// semantics:
//   - a string % anything formats the string printf-style (pyFormat), with
//     a tuple's items as the arguments;
//   - / always gives a float; // and % give an int for two ints (bools
//     count as ints) and a float otherwise, rounding toward negative
//     infinity (-7 // 2 is -4 and -7 % 2 is 1: the result of % has the sign
//     of the divisor);
//   - a zero divisor is the error "division by zero";
//   - any other operand (none, a string, a list, an object) is an error, as
//     in Jinja2.
func arithOp(op string, left, right *exec.Value, tuple bool) (any, error) {
	left, right = unwrap(left), unwrap(right)
	if op == "%" && left.IsString() {
		return pyFormat(left.String(), right, tuple)
	}
	a, aok := numberOf(left)
	b, bok := numberOf(right)
	if !aok || !bok {
		return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, kindName(left), kindName(right))
	}
	if a.isInt && b.isInt {
		x, y := a.i, b.i
		switch op {
		case "/":
			if y == 0 {
				return nil, errDivisionByZero
			}
			return float64(x) / float64(y), nil
		case "//":
			if y == 0 {
				return nil, errDivisionByZero
			}
			if x == math.MinInt64 && y == -1 {
				return nil, errors.New("integer overflow")
			}
			q := x / y
			if (x%y != 0) && ((x < 0) != (y < 0)) {
				q--
			}
			return q, nil
		case "%":
			if y == 0 {
				return nil, errDivisionByZero
			}
			if y == -1 {
				return int64(0), nil // and no overflow for math.MinInt64
			}
			m := x % y
			if m != 0 && (m < 0) != (y < 0) {
				m += y
			}
			return m, nil
		}
		return nil, fmt.Errorf("unknown operator %s", op)
	}
	x, y := a.float(), b.float()
	if y == 0 {
		return nil, errDivisionByZero
	}
	switch op {
	case "/":
		return x / y, nil
	case "//":
		q, _ := floatDivmod(x, y)
		return q, nil
	case "%":
		_, m := floatDivmod(x, y)
		return m, nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

// number is a numeric operand: an int (bools are 0 and 1) or a float.
type number struct {
	isInt bool
	i     int64
	f     float64
}

func (n number) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

// numberOf returns v as a number, if it is one.
func numberOf(v *exec.Value) (number, bool) {
	switch {
	case v == nil || v.IsNil():
		return number{}, false
	case v.IsBool():
		if v.Bool() {
			return number{isInt: true, i: 1}, true
		}
		return number{isInt: true}, true
	case v.IsInteger():
		return number{isInt: true, i: int64(v.Integer())}, true
	case v.IsFloat():
		return number{f: v.Float()}, true
	}
	return number{}, false
}

// floatDivmod is Python's float divmod (Objects/floatobject.c): x // y and
// x % y for y != 0, the remainder having the sign of y.
func floatDivmod(x, y float64) (div, mod float64) {
	mod = math.Mod(x, y)
	div = (x - mod) / y
	if mod != 0 {
		if (y < 0) != (mod < 0) {
			mod += y
			div -= 1
		}
	} else {
		mod = math.Copysign(0, y)
	}
	if div != 0 {
		floor := math.Floor(div)
		if div-floor > 0.5 {
			floor++
		}
		div = floor
	} else {
		div = math.Copysign(0, x/y)
	}
	return div, mod
}
