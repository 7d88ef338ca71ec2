// Command syncctl syncs one master catalog with many sales channels.
package main

import (
	"os"
	_ "time/tzdata" // GMT+8 platform times must parse in a FROM-scratch image

	"github.com/syncctl/syncctl/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
