package cli

import (
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-id/warden/internal/api"
	"github.com/warden-id/warden/internal/app"
	"github.com/warden-id/warden/internal/config"
)

// shutdownGrace is how long in-flight requests get after SIGTERM/SIGINT.
const shutdownGrace = 15 * time.Second

func serveCmd(env Env) *cobra.Command {
	var files []string
	var dev, watchCourier, sqaOptOut bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the public and admin servers",
		Long: `Run Warden's public and admin HTTP servers.

With no -c file and --dev, Warden runs on built-in defaults: an SQLite file
(warden.sqlite) in the working directory, an email+password identity schema,
the public API on 127.0.0.1:4433 and the admin API on 127.0.0.1:4434.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			cfg, err := loadConfig(env, files, dev)
			if err != nil {
				return err
			}
			log := newLogger(env, cfg)
			for _, w := range cfg.Warnings {
				log.Warn(w)
			}
			if cfg.Dev {
				log.Warn("running in development mode (--dev): cookies are not Secure and weak settings are honoured; never use it in production")
			}
			migrate := isSQLite(cfg.DSN) || cfg.Dev
			a, err := app.New(cmd.Context(), cfg, app.Options{Log: log, Migrate: migrate,
				DevDisableAPIFlowEnforcement: env.Getenv("DEV_DISABLE_API_FLOW_ENFORCEMENT") == "true"})
			if err != nil {
				return err
			}
			defer func() {
				if cerr := a.Close(); cerr != nil {
					log.Error("closing the database", "error", cerr.Error())
				}
			}()
			bound, err := api.Bind(
				api.Listener{Name: "public", Addr: hostPort(cfg.Serve.Public), Handler: a.Public()},
				api.Listener{Name: "admin", Addr: hostPort(cfg.Serve.Admin), Handler: a.Admin()},
			)
			if err != nil {
				return err
			}
			// Startup garbage (migration parsing, schema compilation) is
			// dead now; hand it back so an idle server stays small.
			debug.FreeOSMemory()
			log.Info("warden is ready", "public", bound[0].Addr().String(), "admin", bound[1].Addr().String(),
				"version", app.Version, "startup", time.Since(start).String())
			if env.Ready != nil {
				env.Ready(bound[0].Addr().String(), bound[1].Addr().String())
			}
			return api.Serve(cmd.Context(), log, shutdownGrace, bound)
		},
	}
	cmd.Flags().StringArrayVarP(&files, "config", "c", nil, "config file (YAML or JSON); repeat to merge, later files win")
	cmd.Flags().BoolVar(&dev, "dev", false, "development mode: insecure cookies, built-in defaults when no config is given")
	cmd.Flags().BoolVar(&watchCourier, "watch-courier", false, "accepted for Kratos compatibility")
	cmd.Flags().BoolVar(&sqaOptOut, "sqa-opt-out", false, "accepted for Kratos compatibility (Warden sends no telemetry)")
	return cmd
}

func loadConfig(env Env, files []string, dev bool) (*config.Config, error) {
	return config.Load(config.LoadOptions{
		Files:              files,
		Getenv:             env.Getenv,
		Environ:            env.Environ,
		Dev:                dev,
		DefaultsWhenNoFile: len(files) == 0,
	})
}

func hostPort(l config.Listener) string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

func isSQLite(dsn string) bool {
	return dsn == "memory" || strings.HasPrefix(dsn, "sqlite") || strings.HasPrefix(dsn, "file:")
}

// newLogger writes JSON (log.format json) or text logs to stderr at log.level.
func newLogger(env Env, cfg *config.Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(cfg.Log.Format, "text") {
		return slog.New(slog.NewTextHandler(env.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(env.Stderr, opts))
}

func describeDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i > 0 {
		return dsn[:i]
	}
	return fmt.Sprintf("%.8s…", dsn)
}
