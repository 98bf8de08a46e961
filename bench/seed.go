package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

type user struct {
	email, password string
}

const seedPassword = "correct-horse-battery-staple-7"

// seedIdentities creates n identities through the admin API. They share one
// imported bcrypt hash at the server's cost, so seeding costs one hash, and
// a login still verifies a real hash of that cost.
func seedIdentities(ctx context.Context, s *server, n, cost int) ([]user, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(seedPassword), cost)
	if err != nil {
		return nil, err
	}
	users := make([]user, n)
	for i := range users {
		users[i] = user{email: fmt.Sprintf("bench-%07d@example.org", i), password: seedPassword}
	}
	const workers = 8
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				body := map[string]any{
					"traits":      map[string]any{"email": users[i].email},
					"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"hashed_password": string(hash)}}},
				}
				if err := expect(ctx, s.client, http.MethodPost, s.admin+"/admin/identities", jsonHeader, body, http.StatusCreated, nil); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return users, nil
}

// signIn logs each user in through the API flow and returns the tokens.
func signIn(ctx context.Context, s *server, users []user) ([]string, error) {
	tokens := make([]string, 0, len(users))
	for _, u := range users {
		tok, err := apiLogin(ctx, s.client, s, u)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, tok)
	}
	return tokens, nil
}
