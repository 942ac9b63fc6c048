package output

import (
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"
)

// ParquetNumRows returns the number of rows of a Parquet file from its
// footer, without reading the data.
func ParquetNumRows(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return pf.NumRows(), nil
}
