package cli

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Env is what the commands take from the process, injected so tests can run
// the real program in-process.
type Env struct {
	Getenv  func(string) string
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// Ready, when set, is called once both servers listen, with their
	// addresses (tests use it to find port 0 listeners).
	Ready func(public, admin string)
}

// Run executes the warden command line args (without the program name).
func Run(ctx context.Context, args []string, env Env) error {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	root := &cobra.Command{
		Use:           "warden",
		Short:         "Warden is an identity server that speaks Ory Kratos's API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.AddCommand(serveCmd(env), migrateCmd(env), versionCmd(env))
	if err := root.ExecuteContext(ctx); err != nil {
		return oneLineError{err}
	}
	return nil
}

// oneLineError keeps the CLI's promise of one line on stderr: some causes
// span several lines (pgx lists every address it tried to connect to).
type oneLineError struct{ err error }

func (e oneLineError) Error() string {
	var b strings.Builder
	for _, l := range strings.Split(e.err.Error(), "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func (e oneLineError) Unwrap() error { return e.err }
