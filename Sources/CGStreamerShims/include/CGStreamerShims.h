// C helpers for the parts of GStreamer that Swift cannot import: function-like macros
// (type checks, buffer field accessors), signal handlers with C signatures, and
// GObject class introspection behind casts.
#pragma once
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#pragma clang assume_nonnull begin

// MARK: - Type checks (G_TYPE_CHECK_INSTANCE_TYPE and friends are macros)

gboolean CGStreamerShims_is_pipeline(gpointer object);
gboolean CGStreamerShims_is_app_sink(gpointer object);
gboolean CGStreamerShims_is_app_src(gpointer object);

/// The state an element is heading to (GST_STATE_TARGET), read under the object lock.
GstState CGStreamerShims_element_target_state(GstElement *element);

GObjectClass *CGStreamerShims_object_get_class(gpointer object);
const gchar *CGStreamerShims_object_type_name(gpointer object);

GType CGStreamerShims_string_type(void);
gboolean CGStreamerShims_type_is_string(GType type);
gboolean CGStreamerShims_type_is_enum(GType type);
gboolean CGStreamerShims_type_is_flags(GType type);
gboolean CGStreamerShims_type_is_caps_or_structure(GType type);

// MARK: - Properties

/// Whether a property can be written after construction (writable and not construct-only).
gboolean CGStreamerShims_param_spec_is_settable(const GParamSpec *pspec);
gboolean CGStreamerShims_param_spec_is_readable(const GParamSpec *pspec);
GType CGStreamerShims_param_spec_value_type(const GParamSpec *pspec);
/// A newly allocated "min - max" text for numeric param specs, NULL for others.
gchar *_Nullable CGStreamerShims_param_spec_range(const GParamSpec *pspec);
/// The nicks of an enum or flags type as a NULL-terminated vector (free with g_strfreev),
/// NULL for other types.
gchar *_Nullable *_Nullable CGStreamerShims_enum_or_flags_nicks(GType type);
/// Serializes a value for humans: strings raw, everything else in GStreamer's own syntax,
/// falling back to g_strdup_value_contents for types without a serializer.
gchar *CGStreamerShims_value_to_string(const GValue *value);

// MARK: - Buffers (GST_BUFFER_PTS and friends are macros)

GstClockTime CGStreamerShims_buffer_pts(const GstBuffer *buffer);
GstClockTime CGStreamerShims_buffer_dts(const GstBuffer *buffer);
GstClockTime CGStreamerShims_buffer_duration(const GstBuffer *buffer);
gboolean CGStreamerShims_buffer_is_delta_unit(const GstBuffer *buffer);
void CGStreamerShims_buffer_set_pts(GstBuffer *buffer, GstClockTime pts);
void CGStreamerShims_buffer_set_duration(GstBuffer *buffer, GstClockTime duration);
void CGStreamerShims_buffer_set_delta_unit(GstBuffer *buffer, gboolean delta_unit);

// MARK: - Video layout

typedef struct {
    gint n_planes;
    gint width;
    gint height;
    gsize size;
    gint stride[GST_VIDEO_MAX_PLANES];
    gsize offset[GST_VIDEO_MAX_PLANES];
    /// Bytes of pixel data in one row of a plane, without padding; 0 when the format's
    /// rows are not byte-addressable (sub-byte packed or tiled formats).
    gint row_bytes[GST_VIDEO_MAX_PLANES];
    gint rows[GST_VIDEO_MAX_PLANES];
} CGStreamerShims_VideoLayout;

/// Fills `layout` from raw video caps, preferring the buffer's GstVideoMeta (which carries the
/// producer's real strides) when present. Returns FALSE for caps that are not raw video.
gboolean CGStreamerShims_video_layout(GstCaps *caps, GstBuffer *_Nullable buffer,
                                      CGStreamerShims_VideoLayout *layout);

// MARK: - Bus

/// Remembers the first ERROR message posted on `bus` since the last clear (through a sync
/// handler that passes every message on unchanged), so a failed state change can say why
/// without stealing messages from whoever reads the bus.
void CGStreamerShims_bus_install_error_recorder(GstBus *bus);
/// The first recorded ERROR message since the last clear (a new reference), or NULL.
GstMessage *_Nullable CGStreamerShims_bus_first_error(GstBus *bus);
void CGStreamerShims_bus_clear_first_error(GstBus *bus);

const gchar *CGStreamerShims_message_type_name(GstMessage *message);
GstMessageType CGStreamerShims_message_type(GstMessage *message);
/// The name of the message's source object (newly allocated), or NULL.
gchar *_Nullable CGStreamerShims_message_source_name(GstMessage *message);

// MARK: - Signals

/// Returns a newly allocated (g_malloc) file name, or NULL to let the element fall back to its
/// `location` pattern. `first_sample` is NULL for "format-location".
typedef gchar *_Nullable (*CGStreamerShims_FormatLocationFunc)(
    void *_Nullable user_data, guint fragment_id, GstSample *_Nullable first_sample);

/// Connects `func` to "format-location-full" (when `full`) or "format-location". `release` is
/// called exactly once with `user_data` when the handler is disconnected or the element is
/// finalized. Returns the handler id, 0 if the element has no such signal (then `release` has
/// already been called).
gulong CGStreamerShims_connect_format_location(GstElement *element, gboolean full,
                                               CGStreamerShims_FormatLocationFunc func,
                                               void *_Nullable user_data,
                                               GDestroyNotify release);

/// Called with the element a signal of signature `void (GstElement *self, GstElement *element)`
/// carries (splitmuxsink's "sink-added" and "muxer-added"), on the emitting thread.
typedef void (*CGStreamerShims_ElementSignalFunc)(void *_Nullable user_data, GstElement *element);

/// Connects `func` to such a signal; 0 (and `release` called at once) when the element has no
/// signal of that name. `release` runs once, when the handler is disconnected or the element
/// is destroyed.
gulong CGStreamerShims_connect_element_signal(GstElement *element, const gchar *signal_name,
                                              CGStreamerShims_ElementSignalFunc func,
                                              void *_Nullable user_data,
                                              GDestroyNotify release);

/// Emits an action signal that takes no arguments and returns nothing (splitmuxsink's
/// "split-now"); FALSE when the element has no such signal.
gboolean CGStreamerShims_emit_action(GstElement *element, const gchar *signal_name);

#pragma clang assume_nonnull end
