package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Push messages (channels.md §1.7). 微信小店 pushes only in security mode:
// JSON {"ToUserName","Encrypt"} with msg_signature in the query. The URL
// check (GET with echostr) is signed with signature.

// Signature is sha1 of the sorted, concatenated parts: the URL check's
// signature over (token, timestamp, nonce), and a message's msg_signature
// over (token, timestamp, nonce, Encrypt).
func Signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// VerifySignature reports whether got is the signature of parts, in
// constant time.
func VerifySignature(got string, parts ...string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(Signature(parts...))) == 1
}

// aesBlock is the PKCS#7 block size WeChat pads to (not AES's 16).
const aesBlock = 32

func aesKey(encodingAESKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, domain.Errorf(domain.EInvalid, "wechat_shop push: EncodingAESKey must be 43 base64 characters (a 32-byte key)")
	}
	return key, nil
}

// Decrypt opens a message's Encrypt field: AES-256-CBC with key =
// base64(EncodingAESKey + "="), IV = key[:16], PKCS#7 padding to 32 bytes;
// the plaintext is 16 random bytes, the message length (4 bytes, big
// endian), the message and the appid, which must be the shop's.
func Decrypt(encodingAESKey, appID, encrypted string) ([]byte, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	bad := func(why string) error { return domain.Errorf(domain.EInvalid, "wechat_shop push: Encrypt %s", why) }
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, bad("is not base64 of whole AES blocks")
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aesBlock || pad > len(pt) || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, bad("has bad padding (wrong EncodingAESKey?)")
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, bad("is too short")
	}
	n := binary.BigEndian.Uint32(pt[16:20])
	if uint64(n) > uint64(len(pt)-20) {
		return nil, bad("has a length beyond its end")
	}
	msg, tail := pt[20:20+n], pt[20+n:]
	if subtle.ConstantTimeCompare(tail, []byte(appID)) != 1 {
		return nil, bad("is for another appid")
	}
	return msg, nil
}

// Encrypt seals a message as the platform does (random is the 16-byte
// prefix): the counterpart of Decrypt, for tests and sandboxes.
func Encrypt(encodingAESKey, appID string, msg []byte, random [16]byte) (string, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	var pt bytes.Buffer
	pt.Write(random[:])
	_ = binary.Write(&pt, binary.BigEndian, uint32(len(msg)))
	pt.Write(msg)
	pt.WriteString(appID)
	pad := aesBlock - pt.Len()%aesBlock
	pt.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key)
	ct := make([]byte, pt.Len())
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(ct, pt.Bytes())
	return base64.StdEncoding.EncodeToString(ct), nil
}
