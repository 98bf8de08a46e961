package hash

// Parameter limits for stored hashes. Kratos accepts whatever an import
// contains and then spends minutes, or runs out of memory, on the first login
// against an absurd hash (argon2 m=4294967295, pbkdf2 i=4294967295, scrypt
// N=2^40 …). A login must stay under a few seconds on one core, so every
// parameter that drives time or memory is capped here, and the caps are
// checked while parsing, before any derivation (ValidateImport and Compare).
//
// Every cap leaves room for the strongest settings in common use today, so
// real exported hashes import fine; see the notes per constant.
const (
	// maxEncodedLen bounds the whole hash string. The longest legal hash
	// (firebase scrypt with maximal salt, separator and signer key) is about
	// 5.5 KB of base64.
	maxEncodedLen = 8 << 10

	// minKeyLen is the shortest derived key (or firebase hash) we verify.
	// An empty key compares equal to an empty derivation, so with Kratos an
	// imported "$pbkdf2-…$salt$" or "$firescrypt$…$$sep$" accepts every
	// password (and an empty argon2 key makes x/crypto/argon2 panic); a few
	// bytes make random guesses collide. 16 bytes is the shortest any common system
	// emits (argon2 CLI, Kratos fixtures).
	minKeyLen = 16
	// maxKeyLen bounds derived keys; longer keys add only work.
	maxKeyLen = 1024
	// maxSaltLen bounds salts (and the firebase salt separator). Salts add
	// hashing work linearly and no security beyond 16–32 bytes.
	maxSaltLen = 1024
)

// importMaxBcryptCost caps the cost of imported bcrypt hashes: cost 18 takes
// about 20 s per login on this class of machine; every real deployment uses
// 10–14.
const importMaxBcryptCost = 18

const (
	// argon2MaxMemoryKiB is 1 GiB, Kratos's default hashers.argon2.
	// dedicated_memory; libsodium's "sensitive" preset uses exactly this.
	argon2MaxMemoryKiB = 1 << 20
	// argon2MaxIterations caps t; real presets use 1–10.
	argon2MaxIterations = 64
	// argon2MaxWorkKiB caps memory × iterations, the actual time cost: 4 GiB
	// passes (libsodium "sensitive": 1 GiB × 4) takes about 5 s with p=1.
	// Without it m=1 GiB, t=64 would be allowed and take over a minute.
	argon2MaxWorkKiB = 4 << 20
	// Parallelism is 1..255 by the format (uint8; 0 makes argon2 panic).
)

const (
	// pbkdf2MaxWork caps iterations × output blocks (ceil(keylen/hashlen)),
	// the number of HMAC chains PBKDF2 runs. OWASP 2023 recommends 1,300,000
	// for SHA-1 (2 blocks for a 32-byte key) and 600,000 for SHA-256. 4M
	// chains take about 1 s (SHA-1, SHA-256) to 3.5 s (SHA3-384) on one core.
	pbkdf2MaxWork = 4_000_000
)

const (
	// scryptMaxN caps N at 2^20 (log2 N ≤ 20), scrypt's "file encryption"
	// level; interactive logins use 2^14–2^17.
	scryptMaxN = 1 << 20
	// scryptMaxWork caps 128·N·r·p bytes: 128·N·r is the memory scrypt
	// allocates and p runs that many times in sequence. 1 GiB allows
	// N=2^20, r=8, p=1 (about 4 s) and every interactive preset.
	scryptMaxWork = 1 << 30
	// firebaseKeyLen is the AES-256 key firebase scrypt derives.
	firebaseKeyLen = 32
)
