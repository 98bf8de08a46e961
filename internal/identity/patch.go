package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
)

// patchDeniedPaths are members a JSON Patch may not touch: server-managed
// values, and the credentials (Kratos denies /id and /credentials; its
// "/stateChangedAt" entry is a typo for the member listed here).
func patchDeniedPaths() []string {
	return []string{"/id", "/schema_url", "/state_changed_at", "/credentials", "/created_at", "/updated_at"}
}

// patchedIdentity is what a patch may change; everything else in the
// patched document is ignored, as Kratos ignores it.
type patchedIdentity struct {
	SchemaID            string              `json:"schema_id"`
	State               State               `json:"state"`
	Traits              json.RawMessage     `json:"traits"`
	MetadataPublic      json.RawMessage     `json:"metadata_public"`
	MetadataAdmin       json.RawMessage     `json:"metadata_admin"`
	VerifiableAddresses []VerifiableAddress `json:"verifiable_addresses"`
	RecoveryAddresses   []RecoveryAddress   `json:"recovery_addresses"`
}

// Patch applies an RFC 6902 JSON Patch (v1's PATCH /admin/identities/{id})
// to the admin JSON view of the identity (metadata_admin included, no
// credentials), then validates and stores it like Update. A patch that is
// not a patch, uses move or copy (Kratos refuses them: the library had
// bugs there), touches a denied path, or does not apply is a 400 naming the
// reason. A changed state sets state_changed_at. Patched addresses keep
// their id when via and value still match, so a patch can mark an address
// verified.
func (s *Service) Patch(ctx context.Context, id uuid.UUID, patch []byte) (*Identity, error) {
	i, err := s.store.FindIdentityByID(ctx, id, true)
	if err != nil {
		return nil, storeError("find identity", err)
	}
	ops, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, &apierr.Error{Status: 400, Reason: fmt.Sprintf("The JSON Patch is invalid: %s", err), Err: err}
	}
	if err := checkPatchOps(ops); err != nil {
		return nil, err
	}
	view := *i
	view.Credentials = nil
	view.SchemaURL = s.SchemaURL(i.SchemaID)
	doc, err := json.Marshal(view)
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("identity: encode identity for patch: %w", err))
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EscapeHTML = false // keep metadata strings as they were sent
	out, err := ops.ApplyWithOptions(doc, opts)
	if err != nil {
		return nil, &apierr.Error{Status: 400, Reason: fmt.Sprintf("The JSON Patch could not be applied: %s", err), Err: err}
	}
	var p patchedIdentity
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, &apierr.Error{Status: 400, Reason: fmt.Sprintf("The patched identity is invalid: %s", err), Err: err}
	}
	if !p.State.Valid() {
		return nil, errInvalidState()
	}
	if p.State != i.State {
		now := s.now()
		i.State = p.State
		i.StateChangedAt = &now
	}
	i.SchemaID = p.SchemaID
	i.MetadataPublic = p.MetadataPublic
	i.MetadataAdmin = p.MetadataAdmin
	va, err := patchedVerifiable(i.VerifiableAddresses, p.VerifiableAddresses)
	if err != nil {
		return nil, err
	}
	i.VerifiableAddresses = va
	i.RecoveryAddresses = patchedRecovery(i.RecoveryAddresses, p.RecoveryAddresses)
	return s.save(ctx, i, p.Traits)
}

func checkPatchOps(ops jsonpatch.Patch) error {
	for _, op := range ops {
		switch k := op.Kind(); k {
		case "add", "remove", "replace", "test":
		case "move", "copy":
			return apierr.BadRequest("unsupported operation: %s", k)
		default:
			return apierr.BadRequest("The JSON Patch is invalid: unknown operation %q", k)
		}
		path, err := op.Path()
		if err != nil {
			return &apierr.Error{Status: 400, Reason: fmt.Sprintf("The JSON Patch is invalid: %s", err), Err: err}
		}
		if path == "" { // the whole document
			return apierr.BadRequest("patch includes denied path: %s", path)
		}
		for _, d := range patchDeniedPaths() {
			if path == d || strings.HasPrefix(path, d+"/") {
				return apierr.BadRequest("patch includes denied path: %s", path)
			}
		}
	}
	return nil
}

// patchedVerifiable keeps server-managed fields (id, created_at) of the
// addresses that still exist and refuses statuses Kratos does not know.
func patchedVerifiable(old, patched []VerifiableAddress) ([]VerifiableAddress, error) {
	out := make([]VerifiableAddress, 0, len(patched))
	for _, a := range patched {
		switch a.Status {
		case AddressStatusPending, AddressStatusSent, AddressStatusCompleted:
		case "":
			a.Status = AddressStatusPending
		default:
			return nil, apierr.BadRequest("verifiable address status %q is not valid", a.Status)
		}
		a.ID = uuid.Nil
		for _, o := range old {
			if o.Via == a.Via && normalizeAddress(o.Via, o.Value) == normalizeAddress(a.Via, a.Value) {
				a.ID, a.CreatedAt = o.ID, o.CreatedAt
				break
			}
		}
		out = append(out, a)
	}
	return out, nil
}

func patchedRecovery(old, patched []RecoveryAddress) []RecoveryAddress {
	out := make([]RecoveryAddress, 0, len(patched))
	for _, a := range patched {
		a.ID = uuid.Nil
		for _, o := range old {
			if o.Via == a.Via && normalizeAddress(o.Via, o.Value) == normalizeAddress(a.Via, a.Value) {
				a.ID, a.CreatedAt = o.ID, o.CreatedAt
				break
			}
		}
		out = append(out, a)
	}
	return out
}
