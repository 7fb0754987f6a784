extension ElementFactory {
    /// The Debian 12 package that provides an element, for "install X" hints when a
    /// description names an element that is not installed. Nil for unknown elements.
    ///
    /// Built from `gst-inspect-1.0 <element>` (plugin file) and `dpkg -S` on Debian 12 with
    /// GStreamer 1.22; the X11/Pango, ALSA, GL, VA-API and RTSP-server entries, whose packages
    /// were not installed there, follow those packages' descriptions.
    public static func debianPackage(forElement name: String) -> String? {
        if let package = debianPackages[name] {
            return package
        }
        return debianPackagePrefixes.first { name.hasPrefix($0.prefix) }?.package
    }

    private static let base = "gstreamer1.0-plugins-base"
    private static let good = "gstreamer1.0-plugins-good"
    private static let bad = "gstreamer1.0-plugins-bad"
    private static let ugly = "gstreamer1.0-plugins-ugly"
    private static let core = "libgstreamer1.0-0"

    private static let debianPackages: [String: String] = {
        var table: [String: String] = [:]
        func add(_ package: String, _ elements: String) {
            for element in elements.split(separator: " ") { table[String(element)] = package }
        }
        // coreelements ships with the library itself.
        add(core, "capsfilter concat dataurisrc downloadbuffer fakesink fakesrc fdsink fdsrc filesink filesrc "
            + "funnel identity input-selector multiqueue output-selector queue queue2 streamiddemux tee "
            + "typefind valve")
        add(base, "appsrc appsink videotestsrc audiotestsrc videoconvert videoscale videoconvertscale videorate "
            + "audioconvert audioresample audiorate audiomixer compositor decodebin decodebin3 uridecodebin "
            + "uridecodebin3 playbin playbin3 playsink encodebin parsebin urisourcebin tcpserversink "
            + "tcpclientsink tcpclientsrc tcpserversrc multifdsink socketsrc opusenc opusdec vorbisenc vorbisdec "
            + "theoraenc theoradec oggmux oggdemux subparse gdppay gdpdepay overlaycomposition")
        add(good, "vp8enc vp8dec vp9enc vp9dec jpegenc jpegdec pngenc pngdec matroskamux matroskademux "
            + "matroskaparse webmmux mp4mux qtmux qtdemux ismlmux mj2mux 3gppmux splitmuxsink splitmuxsrc "
            + "multifilesink multifilesrc v4l2src v4l2sink v4l2radio rtspsrc rtpbin rtpjitterbuffer "
            + "rtph264pay rtph264depay rtph265pay rtph265depay rtpvp8pay rtpvp8depay rtpjpegpay rtpjpegdepay "
            + "rtpmp4gpay rtpopuspay udpsrc udpsink multiudpsink souphttpsrc souphttpclientsink flvmux flvdemux "
            + "videoflip videobalance videocrop videobox gdkpixbufdec autovideosink autovideosrc "
            + "autoaudiosink autoaudiosrc pulsesrc pulsesink lamemp3enc mpg123audiodec wavenc wavparse "
            + "avimux avidemux smpte alphacolor imagefreeze deinterlace rtpmux rtpdec")
        add(bad, "x265enc srtsink srtsrc srtclientsink srtserversink h264parse h265parse mpegvideoparse "
            + "mpeg4videoparse vc1parse av1parse jpegparse pngparse mpegtsmux tsdemux tsparse rtmpsink rtmpsrc "
            + "rtmp2sink rtmp2src hlssink hlssink2 hlsdemux dashdemux dashsink webrtcbin openh264enc openh264dec "
            + "voaacenc kmssink shmsink shmsrc intervideosink intervideosrc interaudiosink interaudiosrc "
            + "av1enc av1dec aomenc fdkaacenc fdkaacdec mpegpsmux mpegpsdemux ipcpipelinesink "
            + "videoparsersbad rtponvifparse rtponviftimestamp sctpenc sctpdec dtlssrtpenc dtlssrtpdec "
            + "srtpenc srtpdec timecodestamper avtpsink avtpsrc vah264enc vah265enc vah264dec vah265dec "
            + "vavp8dec vavp9dec vajpegdec vapostproc nvh264enc nvh265enc nvh264dec nvh265dec nvjpegenc "
            + "cudaupload cudadownload cudaconvert cudascale")
        add(ugly, "x264enc mpeg2dec a52dec dvdlpcmdec dvdsubdec dvdsubparse sidplay cdiocddasrc "
            + "rmdemux rademux asfdemux xingmux")
        add("gstreamer1.0-x", "textoverlay timeoverlay clockoverlay textrender ximagesink xvimagesink ximagesrc")
        add("gstreamer1.0-alsa", "alsasrc alsasink alsamidisrc")
        add("gstreamer1.0-gl", "glimagesink glupload gldownload glcolorconvert gleffects gltestsrc glvideomixer")
        add("gstreamer1.0-rtsp", "rtspclientsink")
        add("gstreamer1.0-vaapi", "vaapih264enc vaapih265enc vaapih264dec vaapih265dec vaapipostproc vaapisink "
            + "vaapidecodebin vaapijpegenc vaapijpegdec vaapivp8dec vaapivp9dec")
        add("gstreamer1.0-pipewire", "pipewiresrc pipewiresink")
        return table
    }()

    /// Families registered per codec or per device at run time, so no fixed name list can hold them.
    private static let debianPackagePrefixes: [(prefix: String, package: String)] = [
        ("avdec_", "gstreamer1.0-libav"), ("avenc_", "gstreamer1.0-libav"),
        ("avmux_", "gstreamer1.0-libav"), ("avdemux_", "gstreamer1.0-libav"),
        ("avdeinterlace", "gstreamer1.0-libav"),
        ("v4l2", good),
        ("vaapi", "gstreamer1.0-vaapi"),
        ("nv", bad), ("cuda", bad), ("va", bad),
    ]
}
