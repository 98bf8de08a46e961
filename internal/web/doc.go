// Package web is Warden's HTTP plumbing, shared by every handler: the JSON
// writer and the one error writer (Kratos's envelope), request classification
// (IsJSONRequest, AcceptsJSON), body decoding (JSON, dotted keys, forms), the
// body size limit, security headers, request logs and panic recovery.
//
// web imports apierr and the standard library only; handlers import web.
package web
