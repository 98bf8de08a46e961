package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/store"
)

func migrateCmd(env Env) *cobra.Command {
	m := &cobra.Command{Use: "migrate", Short: "Database migrations"}
	var files []string
	var fromEnv, yes bool
	sql := &cobra.Command{
		Use:   "sql [DSN]",
		Short: "Apply the SQL migrations to the database",
		Long: `Apply every pending SQL migration.

Give the DSN as the argument, or use -e to read it from the config files
(-c) and the DSN environment variable, as Kratos does.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var dsn string
			switch {
			case len(args) == 1:
				dsn = args[0]
			case fromEnv:
				// No built-in defaults here: they are for serving without a
				// file, and would quietly create ./warden.sqlite when the
				// DSN was forgotten (Kratos fails too).
				cfg, err := config.Load(config.LoadOptions{Files: files, Getenv: env.Getenv, Environ: env.Environ})
				if err != nil {
					// A production config without secrets is still fine to
					// migrate; only the DSN matters here.
					dsn = env.Getenv("DSN")
					if dsn == "" && len(files) == 0 {
						return errors.New("dsn: no database DSN configured: set DSN or give a config file with -c")
					}
					if dsn == "" {
						return err
					}
				} else {
					dsn = cfg.DSN
				}
			default:
				return errors.New("migrate sql: give a DSN argument or -e to read it from the config and environment")
			}
			if dsn == "" {
				return errors.New("dsn: no database DSN configured")
			}
			st, err := store.Open(cmd.Context(), dsn, store.Options{})
			if err != nil {
				return fmt.Errorf("dsn: %w", err)
			}
			defer st.Close()
			plan, err := st.MigrationPlan(cmd.Context())
			if err != nil {
				return fmt.Errorf("dsn: %w", err)
			}
			out := cmd.OutOrStdout()
			if len(plan) == 0 {
				_, err := fmt.Fprintln(out, "The database is up to date; no migrations to apply.")
				return err
			}
			fmt.Fprintf(out, "Migrations to apply to the %s database:\n", describeDSN(dsn))
			for _, p := range plan {
				fmt.Fprintf(out, "  %s\n", p)
			}
			if !yes && !confirm(cmd) {
				return errors.New("migrate sql: aborted, nothing applied (pass --yes to skip the question)")
			}
			if err := st.Migrate(cmd.Context()); err != nil {
				return fmt.Errorf("dsn: migrate: %w", err)
			}
			if err := st.EnsureNetwork(cmd.Context()); err != nil {
				return fmt.Errorf("dsn: %w", err)
			}
			_, err = fmt.Fprintf(out, "Applied %d migration(s).\n", len(plan))
			return err
		},
	}
	sql.Flags().StringArrayVarP(&files, "config", "c", nil, "config file (YAML or JSON); repeat to merge")
	sql.Flags().BoolVarP(&fromEnv, "read-from-env", "e", false, "read the DSN from the config files and the DSN environment variable")
	sql.Flags().BoolVarP(&yes, "yes", "y", false, "apply without asking")
	m.AddCommand(sql)
	return m
}

func confirm(cmd *cobra.Command) bool {
	fmt.Fprint(cmd.OutOrStdout(), "Apply these migrations? [y/N]: ")
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return false
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
