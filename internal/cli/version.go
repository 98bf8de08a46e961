package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/warden-id/warden/internal/app"
)

func versionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Warden's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "Version: %s\n", app.Version)
			return err
		},
	}
}
