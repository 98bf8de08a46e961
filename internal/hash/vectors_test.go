package hash

// vector is a stored hash and the password it was made from.
type vector struct {
	name, password, hash string
}

// knownVectors are hashes produced by other implementations. Sources:
//   - kratos: ory/kratos hash/hasher_test.go and identity/handler_test.go
//     (import fixtures), i.e. hashes Kratos itself verifies.
//   - php: the PHP manual's password_verify example.
//   - phc: the README of the Argon2 reference implementation
//     (P-H-C/phc-winner-argon2).
//   - rfc6070 / rfc7914: the PBKDF2-HMAC-SHA1, PBKDF2-HMAC-SHA256 and scrypt
//     test vectors, encoded in Kratos's formats.
//   - firebase: the README of firebase/scrypt.
//   - python: made with Python's hashlib (and the cryptography package's
//     AES-CTR for firebase scrypt), an implementation independent of ours,
//     for variants no public vector covers (SHA3 quirk, sha256 fallback).
var knownVectors = []vector{
	// bcrypt and its prefixes. x/crypto ignores the minor version in the
	// computation, so the $2b$/$2$/$2z$ rows reuse kratos's cost-8 hash.
	{"bcrypt/kratos-2a-10", "123456", "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"},
	{"bcrypt/kratos-2a-08", "foobar", "$2a$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
	{"bcrypt/2b", "foobar", "$2b$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
	{"bcrypt/2", "foobar", "$2$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
	{"bcrypt/2z", "foobar", "$2z$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
	{"bcrypt/php-2y", "rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"},

	{"argon2id/kratos-key16", "test", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
	{"argon2id/kratos-key32", "test", "$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4"},
	{"argon2id/kratos-import", "123456", "$argon2id$v=19$m=16,t=2,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg"},
	{"argon2i/kratos", "test", "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c"},
	{"argon2i/kratos-import", "123456", "$argon2i$v=19$m=65536,t=3,p=4$STVE4CQ9qQ1dK/j224VMbA$o8b+k5wdHgBqf7ES+aWG2K7Y9diQ6ahEhbW8zcstXGo"},
	{"argon2i/phc", "password", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"},

	{"pbkdf2/kratos-sha256", "test", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"},
	{"pbkdf2/kratos-sha512", "test", "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc"},
	// l=128 but a 16-byte key: Kratos derives len(key) bytes and ignores l.
	{"pbkdf2/kratos-import-l-mismatch", "123456", "$pbkdf2-sha256$i=1000,l=128$e8/arsEf4cvQihdNgqj0Nw$5xQQKNTyeTHx2Ld5/JDE7A"},
	{"pbkdf2/rfc6070-sha1", "password", "$pbkdf2-sha1$i=4096,l=20$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
	{"pbkdf2/rfc7914-sha256", "passwd", "$pbkdf2-sha256$i=1,l=64$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw"},
	{"pbkdf2/python-sha224-is-sha3", "correct horse", "$pbkdf2-sha224$i=1000,l=32$c2FsdHNhbHRzYWx0c2FsdA$9CbmoPze8ykSF+fZqyatuX1ddpgHu1S6sFPiH5euhh8"},
	{"pbkdf2/python-sha384-is-sha3", "correct horse", "$pbkdf2-sha384$i=1000,l=32$c2FsdHNhbHRzYWx0c2FsdA$7+gBbkJLEn/oVo7veQG5Aw9kASjuKc5oocTbu7MR3bI"},
	{"pbkdf2/python-sha512", "correct horse", "$pbkdf2-sha512$i=1000,l=32$c2FsdHNhbHRzYWx0c2FsdA$EHLBej+uEvxlmr0QnHnceg1vM6h1wbwSP5XErh3Smiw"},
	{"pbkdf2/python-unknown-alg-is-sha256", "correct horse", "$pbkdf2-sha999$i=1000,l=32$c2FsdHNhbHRzYWx0c2FsdA$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM"},

	// Kratos's scrypt "ln" holds N itself.
	{"scrypt/kratos", "test", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
	{"scrypt/kratos-import", "123456", "$scrypt$ln=16384,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI="},
	{"scrypt/rfc7914", "password", "$scrypt$ln=1024,r=8,p=16$TmFDbA==$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA=="},
	{"scrypt/python", "hunter2", "$scrypt$ln=2048,r=4,p=1$d2FyZGVuLXNhbHQ=$LXl1glJYmpm5farHKjFfylUFqsAJQ6dr6PsPH/a6Rmw="},

	{"firescrypt/kratos", "8x4WjoDbSxJZdR", "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="},
	{"firescrypt/firebase-readme", "user1password", "$firescrypt$ln=14,r=8,p=1$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$Bw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="},
	{"firescrypt/python", "hunter2", "$firescrypt$ln=10,r=4,p=2$d2FyZGVuLXNhbHQ=$PN28Wz8PqzipuNOEifmc0aYeQaY1QxHhK8N64ZSa/ag=$AQI=$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
}
