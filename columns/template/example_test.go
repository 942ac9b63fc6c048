package template_test

import (
	"fmt"

	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/value"
)

func Example() {
	t, err := template.Parse("{{ product.name|upper }} costs {{ product.price }}: {{ product }}" +
		"{% for tag in product.tags %} #{{ tag }}{% endfor %}")
	if err != nil {
		fmt.Println(err)
		return
	}
	product := value.NewMap()
	product.Set("name", "Café")
	product.Set("price", 4.0)
	product.Set("tags", []any{"hot", "sweet"})

	out, err := t.Render(map[string]any{"product": product})
	fmt.Println(t.Refs())
	fmt.Println(out, err)
	// Output:
	// [product]
	// CAFÉ costs 4.0: {"name": "Café", "price": 4.0, "tags": ["hot", "sweet"]} #hot #sweet <nil>
}

func ExampleParse_error() {
	_, err := template.Parse("Hello {{ name | uper }}")
	fmt.Println(err)
	// Output:
	// line 1, column 17: unknown filter "uper"; did you mean "upper"?
}
