package outbox

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
)

// sampleJPEG is what every media download serves: a small, real JPEG, so a
// channel that checks or thumbnails what it downloads gets an image.
var sampleJPEG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: uint8(y * 16), B: 0x80, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		panic("outbox: encoding the sample JPEG: " + err.Error())
	}
	return buf.Bytes()
}()
