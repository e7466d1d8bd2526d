// Creates a SQLite file for the tests' pipelines: runs the SQL read from stdin against the file
// named by the only argument, with the same pure-Go driver tdtpcli reads it with (no cgo, no
// sqlite3 program needed on the machine).
package main

import (
	"database/sql"
	"fmt"
	"io"
	"os"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sqlite-seed FILE < statements.sql")
		os.Exit(2)
	}
	script, err := io.ReadAll(os.Stdin)
	if err == nil {
		err = run(os.Args[1], string(script))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlite-seed:", err)
		os.Exit(1)
	}
}

func run(path, script string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(script)
	return err
}
