package validation

import "github.com/synthgen/synthgen/columns"

// BatchGenerator is implemented by generators that work on several rows at
// once; every validation unit's Gen implements it. It is the engine's
// interface, columns.BatchGenerator (the engine never imports a kind); this
// alias states the contract the validation generator keeps:
//
//   - rows and outs have the same length; outs[i] is row i's output slots,
//     one per Unit.Outputs entry, exactly as for Generator.Generate. The
//     generator writes only into outs[i] of rows whose error is nil and
//     keeps neither slice after returning.
//   - GenerateBatch returns a slice of len(rows) errors: nil where the row
//     succeeded, else a *columns.CellError (Kind "validation") that drops
//     that row only. A batch the validator could not check (a program that
//     failed, an endpoint that kept failing) gives each of its rows the same
//     error; an invalid value is data (is_valid false), not an error.
//   - BatchSize is the column's batch_size (≥ 1). The engine should pass at
//     most that many rows; a partial batch (the last rows of a row group) is
//     fine, and a longer one is split and checked batch after batch.
//   - GenerateBatch and Generate may be called concurrently with different
//     rows. The generator bounds its own processes (GOMAXPROCS per column)
//     and requests (max_parallel_requests per column), so the engine need
//     not; a cancelled context kills running programs and aborts requests.
//   - Generate(ctx, row, out) validates a batch of 1.
type BatchGenerator = columns.BatchGenerator
