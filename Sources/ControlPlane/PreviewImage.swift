import Foundation
import MediaRouter
import TurboJPEG

/// Makes the JPEG of one preview frame: a JPEG frame passes through untouched unless a smaller
/// width is asked for; raw frames are encoded (and scaled down, nearest neighbour, when asked).
/// One instance per preview source; not for concurrent use.
final class PreviewEncoder: @unchecked Sendable {
    // Safe: each preview source uses its encoder from one task at a time (its encode loop
    // awaits each call before the next); the libjpeg-turbo handles inside are made lazily.
    private var encoder: JPEGEncoder?
    private var decoder: JPEGDecoder?
    let width: Int?
    let quality: Int
    /// Frames encoded (not passed through), for tests and the cost figures.
    private(set) var encodes = 0

    init(width: Int?, quality: Int = 80) {
        self.width = width
        self.quality = quality
    }

    func jpeg(_ frame: Frame) throws -> Data {
        if frame.format == .jpeg {
            guard let width, width < frame.width || frame.width == 0 else { return frame.payload.data }
            if decoder == nil { decoder = try JPEGDecoder() }
            let (pixels, header) = try decoder!.decode(frame.payload.bytes, format: .bgr) { size, fill in
                try FramePayload.make(count: size) { try fill($0) }
            }
            guard width < header.width else { return frame.payload.data }
            return try encode(pixels.bytes, width: header.width, height: header.height, format: .bgr)
        }
        let (pixels, format) = try Self.jpegInput(frame)
        return try pixels.withUnsafeBytes { try encode($0, width: frame.width, height: frame.height, format: format) }
    }

    private func encode(_ pixels: UnsafeRawBufferPointer, width w: Int, height h: Int, format: JPEGPixelFormat) throws -> Data {
        if encoder == nil { encoder = try JPEGEncoder() }
        encodes += 1
        if let target = width, target < w {
            let (scaled, sw, sh) = Self.scale(pixels, width: w, height: h, format: format, to: target)
            return try scaled.withUnsafeBytes { buf in
                try encoder!.encode(buf, width: sw, height: sh, format: format, quality: quality, subsampling: .s420) { Data($0) }
            }
        }
        return try encoder!.encode(pixels, width: w, height: h, format: format, quality: quality, subsampling: .s420) { Data($0) }
    }

    /// The frame's pixels in a layout libjpeg-turbo takes (NV12 is turned into I420).
    static func jpegInput(_ frame: Frame) throws -> ([UInt8], JPEGPixelFormat) {
        let map: [PixelFormat: JPEGPixelFormat] = [.bgr: .bgr, .rgb: .rgb, .bgra: .bgra, .rgba: .rgba, .bgrx: .bgrx,
                                                   .rgbx: .rgbx, .gray8: .gray8, .i420: .i420]
        let w = frame.width, h = frame.height
        if let f = map[frame.format] {
            let need = f.imageSize(width: w, height: h)
            guard w > 0, h > 0, frame.payload.count >= need else {
                throw RouterError(.badInput, "\(frame.format) \(w)x\(h) frame has \(frame.payload.count) bytes, expected \(need)")
            }
            return (Array(frame.payload.bytes.prefix(need)), f)
        }
        if frame.format == .nv12 {
            let cw = (w + 1) / 2, ch = (h + 1) / 2
            guard w > 0, h > 0, frame.payload.count >= w * h + 2 * cw * ch else {
                throw RouterError(.badInput, "NV12 \(w)x\(h) frame has \(frame.payload.count) bytes")
            }
            let src = frame.payload.bytes
            var out = [UInt8](repeating: 0, count: w * h + 2 * cw * ch)
            for i in 0..<(w * h) { out[i] = src[i] }
            let uv = w * h
            for i in 0..<(cw * ch) {
                out[uv + i] = src[uv + 2 * i]
                out[uv + cw * ch + i] = src[uv + 2 * i + 1]
            }
            return (out, .i420)
        }
        throw RouterError(.unsupported, "cannot preview \(frame.format) frames; the preview shows JPEG, BGR, RGB, BGRA, RGBA, GRAY8, I420 and NV12")
    }

    /// Nearest-neighbour scaling to `target` pixels wide, keeping the aspect ratio.
    static func scale(_ src: UnsafeRawBufferPointer, width w: Int, height h: Int, format: JPEGPixelFormat, to target: Int) -> ([UInt8], Int, Int) {
        var tw = max(2, target)
        var th = max(2, Int((Double(h) * Double(tw) / Double(w)).rounded()))
        if format == .i420 { tw &= ~1; th &= ~1 }
        func plane(_ base: Int, _ pw: Int, _ ph: Int, _ bpp: Int, _ ow: Int, _ oh: Int, into out: inout [UInt8], at o: Int) {
            for y in 0..<oh {
                let sy = y * ph / oh
                for x in 0..<ow {
                    let sx = x * pw / ow
                    let s = base + (sy * pw + sx) * bpp
                    let d = o + (y * ow + x) * bpp
                    for k in 0..<bpp { out[d + k] = src[s + k] }
                }
            }
        }
        if format == .i420 {
            let cw = (w + 1) / 2, ch = (h + 1) / 2
            var out = [UInt8](repeating: 0, count: tw * th + 2 * (tw / 2) * (th / 2))
            plane(0, w, h, 1, tw, th, into: &out, at: 0)
            plane(w * h, cw, ch, 1, tw / 2, th / 2, into: &out, at: tw * th)
            plane(w * h + cw * ch, cw, ch, 1, tw / 2, th / 2, into: &out, at: tw * th + (tw / 2) * (th / 2))
            return (out, tw, th)
        }
        let bpp = format.bytesPerPixel
        var out = [UInt8](repeating: 0, count: tw * th * bpp)
        plane(0, w, h, bpp, tw, th, into: &out, at: 0)
        return (out, tw, th)
    }
}
