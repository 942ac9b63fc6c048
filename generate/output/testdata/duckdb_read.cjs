// Reads a Parquet file with DuckDB and prints its columns and rows as JSON:
//   node duckdb_read.cjs <dir holding node_modules/@duckdb/node-api> <file.parquet> [<copy.parquet>]
// Output: {"columns": [{"name", "type"}], "rows": [[value, ...], ...]}.
// With a third argument DuckDB also writes the rows to that Parquet file.
// BIGINT values arrive as BigInt; they become numbers when exact, else
// strings, so JSON.stringify can print them.
'use strict';

const [moduleDir, file, copyTo] = process.argv.slice(2);
const { DuckDBInstance } = require(require.resolve('@duckdb/node-api', { paths: [moduleDir] }));

function plain(v) {
  if (typeof v === 'bigint') {
    return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  }
  if (Array.isArray(v)) {
    return v.map(plain);
  }
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const [k, e] of Object.entries(v)) {
      out[k] = plain(e);
    }
    return out;
  }
  return v;
}

async function main() {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = await conn.runAndReadAll('SELECT * FROM read_parquet($1)', [file]);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns = names.map((name, i) => ({ name, type: types[i].toString() }));
  const rows = reader.getRowsJS().map((row) => row.map(plain));
  if (copyTo) {
    const quoted = "'" + copyTo.replace(/'/g, "''") + "'";
    await conn.run(`COPY (SELECT * FROM read_parquet($1)) TO ${quoted} (FORMAT parquet)`, [file]);
  }
  process.stdout.write(JSON.stringify({ columns, rows }));
  conn.closeSync();
  instance.closeSync();
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
