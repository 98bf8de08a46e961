package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/warden-id/warden/internal/api"
	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
)

// Version is set at build time (-ldflags "-X …app.Version=v1.2.3").
var Version = "master"

// Options are what New needs beyond the Config.
type Options struct {
	Log *slog.Logger
	// Migrate applies pending migrations at startup. The CLI sets it for
	// SQLite always and for PostgreSQL only with --dev (decision D3).
	Migrate bool
	Now     func() time.Time
	// HTTPClient fetches http(s) identity schemas. Defaults to a client with
	// a 10s timeout.
	HTTPClient *http.Client
	// DevDisableAPIFlowEnforcement is the env DEV_DISABLE_API_FLOW_ENFORCEMENT
	// =true; it takes effect only in dev mode (foundation §8.3).
	DevDisableAPIFlowEnforcement bool
}

// App is a running Warden: its store and its two handlers.
type App struct {
	cfg    *config.Config
	log    *slog.Logger
	store  *store.Store
	public http.Handler
	admin  http.Handler
}

// New builds Warden from cfg. The caller must Close it.
func New(ctx context.Context, cfg *config.Config, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}

	st, err := store.Open(ctx, cfg.DSN, store.Options{Now: o.Now, Logger: o.Log})
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	a := &App{cfg: cfg, log: o.Log, store: st}
	if err := a.prepareDatabase(ctx, o.Migrate); err != nil {
		_ = st.Close()
		return nil, err
	}

	schemas, err := loadSchemas(ctx, cfg, o.HTTPClient)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	hasher, err := newHasher(cfg)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	ids := identity.NewService(st, schemas, hasher, identity.ServiceOptions{
		PublicURL:            cfg.Serve.Public.BaseURL,
		Now:                  o.Now,
		ValidateImportedHash: hash.ValidateImport,
	})

	// --- sessions (issue 3, sessions) ---
	sessions, err := newSessionManager(cfg, o, st)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	// --- end sessions ---

	// --- self-service flows (issue 3, flows) ---
	flows, err := selfService(ctx, cfg, o, st, ids, schemas, hasher, sessions)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	// --- end self-service flows ---

	// --- settings flow (issue 4, settings.go) ---
	settingsHandler, err := settingsFlow(ctx, cfg, o, st, ids, schemas, hasher, sessions, flows)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	// --- end settings flow ---

	// --- session endpoints and logout (issue 3, sessions) ---
	sessionHandlers, logoutHandler, err := sessionRoutes(cfg, o, sessions, flows)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	// --- end session endpoints and logout ---

	deps := api.Deps{
		Log:        o.Log,
		Identities: ids,
		Store:      st,
		Schemas:    schemas,
		Ready:      a.ready,
		Version:    Version,
		PublicURL:  cfg.Serve.Public.BaseURL,
		AdminURL:   cfg.Serve.Admin.BaseURL,
		BodyLimit:  cfg.Serve.Public.RequestBodyLimit,

		// self-service flows (issue 3, flows)
		Login:        flows.login,
		Registration: flows.registration,
		FlowErrors:   flows.errors,

		// sessions and logout (issue 3, sessions)
		Sessions: sessionHandlers,
		Logout:   logoutHandler,

		// settings flow (issue 4)
		Settings: settingsHandler,

		// webauthn (issue 5, webauthn.go)
		WebAuthnJS: webauthnScript(),
	}
	a.public = api.Public(deps)
	deps.BodyLimit = cfg.Serve.Admin.RequestBodyLimit
	a.admin = api.Admin(deps)
	return a, nil
}

// prepareDatabase migrates when allowed and refuses to serve a database
// with pending migrations otherwise (decision D3).
func (a *App) prepareDatabase(ctx context.Context, migrate bool) error {
	if migrate {
		if err := a.store.Migrate(ctx); err != nil {
			return fmt.Errorf("dsn: migrate: %w", err)
		}
	} else {
		_, pending, err := a.store.MigrationStatus(ctx)
		if err != nil {
			return fmt.Errorf("dsn: read migration status: %w", err)
		}
		if pending > 0 {
			return fmt.Errorf("dsn: the database has %d pending migration(s); run `warden migrate sql -e --yes -c <config>` first (or `serve --dev`, which migrates)", pending)
		}
	}
	if err := a.store.EnsureNetwork(ctx); err != nil {
		return fmt.Errorf("dsn: %w", err)
	}
	return nil
}

func loadSchemas(ctx context.Context, cfg *config.Config, client *http.Client) (*identity.Schemas, error) {
	srcs := make([]identity.SchemaSource, len(cfg.Identity.Schemas))
	for i, s := range cfg.Identity.Schemas {
		srcs[i] = identity.SchemaSource{ID: s.ID, URL: s.URL}
	}
	schemas, err := identity.LoadSchemas(ctx, srcs, cfg.Identity.DefaultSchemaID, httpFetcher(client))
	if err != nil {
		return nil, fmt.Errorf("identity.schemas: %w", err)
	}
	return schemas, nil
}

// maxSchemaBytes bounds a fetched schema; no identity schema is this large.
const maxSchemaBytes = 4 << 20

func httpFetcher(client *http.Client) identity.Fetcher {
	return func(ctx context.Context, rawURL string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: status %d", rawURL, res.StatusCode)
		}
		b, err := io.ReadAll(io.LimitReader(res.Body, maxSchemaBytes+1))
		if err != nil {
			return nil, err
		}
		if len(b) > maxSchemaBytes {
			return nil, fmt.Errorf("GET %s: schema larger than %d bytes", rawURL, maxSchemaBytes)
		}
		return b, nil
	}
}

func newHasher(cfg *config.Config) (hash.Hasher, error) {
	switch strings.ToLower(cfg.Hashers.Algorithm) {
	case "", "bcrypt":
		return hash.NewBcrypt(hash.BcryptOptions{Cost: cfg.Hashers.Bcrypt.Cost}), nil
	case "argon2":
		a := cfg.Hashers.Argon2
		return hash.NewArgon2(hash.Argon2Options{Memory: a.Memory, Iterations: a.Iterations,
			Parallelism: a.Parallelism, SaltLength: a.SaltLength, KeyLength: a.KeyLength}), nil
	default:
		return nil, fmt.Errorf("hashers.algorithm: unknown algorithm %q", cfg.Hashers.Algorithm)
	}
}

// ready splits the store's readiness into the two keys /health/ready shows.
func (a *App) ready(ctx context.Context) (database, migrations error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := a.store.Ready(ctx)
	if err == nil {
		return nil, nil
	}
	var nr *store.NotReadyError
	if errors.As(err, &nr) && nr.Check == "migrations" {
		return nil, nr.Err
	}
	return err, nil
}

// Public is the public port's handler.
func (a *App) Public() http.Handler { return a.public }

// Admin is the admin port's handler.
func (a *App) Admin() http.Handler { return a.admin }

// Close closes the database.
func (a *App) Close() error { return a.store.Close() }
