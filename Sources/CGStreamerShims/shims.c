#include "CGStreamerShims.h"

// MARK: - Type checks

gboolean CGStreamerShims_is_pipeline(gpointer object) { return GST_IS_PIPELINE(object); }
gboolean CGStreamerShims_is_app_sink(gpointer object) { return GST_IS_APP_SINK(object); }
gboolean CGStreamerShims_is_app_src(gpointer object) { return GST_IS_APP_SRC(object); }

GstState CGStreamerShims_element_target_state(GstElement *element) {
    GST_OBJECT_LOCK(element);
    GstState state = GST_STATE_TARGET(element);
    GST_OBJECT_UNLOCK(element);
    return state;
}

GObjectClass *CGStreamerShims_object_get_class(gpointer object) { return G_OBJECT_GET_CLASS(object); }

const gchar *CGStreamerShims_object_type_name(gpointer object) { return G_OBJECT_TYPE_NAME(object); }

GType CGStreamerShims_string_type(void) { return G_TYPE_STRING; }
gboolean CGStreamerShims_type_is_string(GType type) { return g_type_is_a(type, G_TYPE_STRING); }
gboolean CGStreamerShims_type_is_enum(GType type) { return G_TYPE_IS_ENUM(type); }
gboolean CGStreamerShims_type_is_flags(GType type) { return G_TYPE_IS_FLAGS(type); }
gboolean CGStreamerShims_type_is_caps_or_structure(GType type) {
    return type == GST_TYPE_CAPS || type == GST_TYPE_STRUCTURE;
}

// MARK: - Properties

gboolean CGStreamerShims_param_spec_is_settable(const GParamSpec *pspec) {
    return (pspec->flags & G_PARAM_WRITABLE) != 0 && (pspec->flags & G_PARAM_CONSTRUCT_ONLY) == 0;
}

gboolean CGStreamerShims_param_spec_is_readable(const GParamSpec *pspec) {
    return (pspec->flags & G_PARAM_READABLE) != 0;
}

GType CGStreamerShims_param_spec_value_type(const GParamSpec *pspec) { return G_PARAM_SPEC_VALUE_TYPE(pspec); }

gchar *CGStreamerShims_param_spec_range(const GParamSpec *pspec) {
    GParamSpec *p = (GParamSpec *)pspec;
    if (G_IS_PARAM_SPEC_INT(p))
        return g_strdup_printf("%d - %d", G_PARAM_SPEC_INT(p)->minimum, G_PARAM_SPEC_INT(p)->maximum);
    if (G_IS_PARAM_SPEC_UINT(p))
        return g_strdup_printf("%u - %u", G_PARAM_SPEC_UINT(p)->minimum, G_PARAM_SPEC_UINT(p)->maximum);
    if (G_IS_PARAM_SPEC_LONG(p))
        return g_strdup_printf("%ld - %ld", G_PARAM_SPEC_LONG(p)->minimum, G_PARAM_SPEC_LONG(p)->maximum);
    if (G_IS_PARAM_SPEC_ULONG(p))
        return g_strdup_printf("%lu - %lu", G_PARAM_SPEC_ULONG(p)->minimum, G_PARAM_SPEC_ULONG(p)->maximum);
    if (G_IS_PARAM_SPEC_INT64(p))
        return g_strdup_printf("%" G_GINT64_FORMAT " - %" G_GINT64_FORMAT,
                               G_PARAM_SPEC_INT64(p)->minimum, G_PARAM_SPEC_INT64(p)->maximum);
    if (G_IS_PARAM_SPEC_UINT64(p))
        return g_strdup_printf("%" G_GUINT64_FORMAT " - %" G_GUINT64_FORMAT,
                               G_PARAM_SPEC_UINT64(p)->minimum, G_PARAM_SPEC_UINT64(p)->maximum);
    if (G_IS_PARAM_SPEC_FLOAT(p))
        return g_strdup_printf("%g - %g", G_PARAM_SPEC_FLOAT(p)->minimum, G_PARAM_SPEC_FLOAT(p)->maximum);
    if (G_IS_PARAM_SPEC_DOUBLE(p))
        return g_strdup_printf("%g - %g", G_PARAM_SPEC_DOUBLE(p)->minimum, G_PARAM_SPEC_DOUBLE(p)->maximum);
    if (GST_IS_PARAM_SPEC_FRACTION(p)) {
        GstParamSpecFraction *f = GST_PARAM_SPEC_FRACTION(p);
        return g_strdup_printf("%d/%d - %d/%d", f->min_num, f->min_den, f->max_num, f->max_den);
    }
    return NULL;
}

gchar **CGStreamerShims_enum_or_flags_nicks(GType type) {
    if (G_TYPE_IS_ENUM(type)) {
        GEnumClass *klass = g_type_class_ref(type);
        gchar **nicks = g_new0(gchar *, klass->n_values + 1);
        for (guint i = 0; i < klass->n_values; i++)
            nicks[i] = g_strdup(klass->values[i].value_nick);
        g_type_class_unref(klass);
        return nicks;
    }
    if (G_TYPE_IS_FLAGS(type)) {
        GFlagsClass *klass = g_type_class_ref(type);
        gchar **nicks = g_new0(gchar *, klass->n_values + 1);
        for (guint i = 0; i < klass->n_values; i++)
            nicks[i] = g_strdup(klass->values[i].value_nick);
        g_type_class_unref(klass);
        return nicks;
    }
    return NULL;
}

gchar *CGStreamerShims_value_to_string(const GValue *value) {
    if (G_VALUE_HOLDS_STRING(value)) {
        const gchar *s = g_value_get_string(value);
        return g_strdup(s ? s : "");
    }
    if (G_VALUE_HOLDS_ENUM(value)) {
        // gst_value_serialize gives the C name (GST_FOO_BAR); the nick is what users type.
        GEnumClass *klass = g_type_class_ref(G_VALUE_TYPE(value));
        GEnumValue *v = g_enum_get_value(klass, g_value_get_enum(value));
        gchar *result = v ? g_strdup(v->value_nick) : g_strdup_printf("%d", g_value_get_enum(value));
        g_type_class_unref(klass);
        return result;
    }
    // gst_value_serialize quotes and escapes caps and structures for embedding in other
    // structures; standalone, their own text form is what users write and re-parse.
    if (GST_VALUE_HOLDS_CAPS(value)) {
        const GstCaps *caps = gst_value_get_caps(value);
        return caps ? gst_caps_to_string(caps) : g_strdup("NULL");
    }
    if (GST_VALUE_HOLDS_STRUCTURE(value)) {
        const GstStructure *structure = gst_value_get_structure(value);
        return structure ? gst_structure_to_string(structure) : g_strdup("NULL");
    }
    gchar *serialized = gst_value_serialize(value);
    return serialized ? serialized : g_strdup_value_contents(value);
}

// MARK: - Buffers

GstClockTime CGStreamerShims_buffer_pts(const GstBuffer *buffer) { return GST_BUFFER_PTS(buffer); }
GstClockTime CGStreamerShims_buffer_dts(const GstBuffer *buffer) { return GST_BUFFER_DTS(buffer); }
GstClockTime CGStreamerShims_buffer_duration(const GstBuffer *buffer) { return GST_BUFFER_DURATION(buffer); }

gboolean CGStreamerShims_buffer_is_delta_unit(const GstBuffer *buffer) {
    return GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
}

void CGStreamerShims_buffer_set_pts(GstBuffer *buffer, GstClockTime pts) { GST_BUFFER_PTS(buffer) = pts; }

void CGStreamerShims_buffer_set_duration(GstBuffer *buffer, GstClockTime duration) {
    GST_BUFFER_DURATION(buffer) = duration;
}

void CGStreamerShims_buffer_set_delta_unit(GstBuffer *buffer, gboolean delta_unit) {
    if (delta_unit)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    else
        GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
}

// MARK: - Video layout

gboolean CGStreamerShims_video_layout(GstCaps *caps, GstBuffer *buffer, CGStreamerShims_VideoLayout *layout) {
    GstVideoInfo info;
    memset(layout, 0, sizeof(*layout));
    if (!gst_video_info_from_caps(&info, caps))
        return FALSE;
    layout->n_planes = (gint)GST_VIDEO_INFO_N_PLANES(&info);
    layout->width = GST_VIDEO_INFO_WIDTH(&info);
    layout->height = GST_VIDEO_INFO_HEIGHT(&info);
    layout->size = GST_VIDEO_INFO_SIZE(&info);
    GstVideoMeta *meta = buffer ? gst_buffer_get_video_meta(buffer) : NULL;
    for (gint plane = 0; plane < layout->n_planes && plane < GST_VIDEO_MAX_PLANES; plane++) {
        layout->stride[plane] = meta ? meta->stride[plane] : GST_VIDEO_INFO_PLANE_STRIDE(&info, plane);
        layout->offset[plane] = meta ? meta->offset[plane] : GST_VIDEO_INFO_PLANE_OFFSET(&info, plane);
        gint components[GST_VIDEO_MAX_COMPONENTS];
        gst_video_format_info_component(info.finfo, (guint)plane, components);
        gint comp = components[0];
        if (comp < 0 || GST_VIDEO_FORMAT_INFO_IS_TILED(info.finfo))
            continue;
        gint pstride = GST_VIDEO_INFO_COMP_PSTRIDE(&info, comp);
        if (pstride <= 0)
            continue;
        layout->row_bytes[plane] = pstride * GST_VIDEO_INFO_COMP_WIDTH(&info, comp);
        layout->rows[plane] = GST_VIDEO_INFO_COMP_HEIGHT(&info, comp);
    }
    return TRUE;
}

// MARK: - Bus

typedef struct {
    GMutex lock;
    GstMessage *first_error;
} ErrorRecorder;

static GQuark error_recorder_quark(void) {
    // Thread-safe and, after the first call, a hash lookup: not worth caching.
    return g_quark_from_static_string("CGStreamerShims-error-recorder");
}

static void error_recorder_free(gpointer data) {
    ErrorRecorder *recorder = data;
    if (recorder->first_error)
        gst_message_unref(recorder->first_error);
    g_mutex_clear(&recorder->lock);
    g_free(recorder);
}

static GstBusSyncReply error_recorder_sync_handler(GstBus *bus, GstMessage *message, gpointer data) {
    (void)bus;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        ErrorRecorder *recorder = data;
        // Keep the first error: elements that fail often post a precise error ("Could not
        // open file") followed by a generic one from their base class ("Failed to start").
        g_mutex_lock(&recorder->lock);
        if (!recorder->first_error)
            recorder->first_error = gst_message_ref(message);
        g_mutex_unlock(&recorder->lock);
    }
    return GST_BUS_PASS;
}

void CGStreamerShims_bus_install_error_recorder(GstBus *bus) {
    ErrorRecorder *recorder = g_new0(ErrorRecorder, 1);
    g_mutex_init(&recorder->lock);
    // The bus owns the recorder through qdata. GObject frees qdata last, after the bus has been
    // finalized, and a bus being finalized has no poster left, so the handler never sees a freed
    // recorder.
    g_object_set_qdata_full(G_OBJECT(bus), error_recorder_quark(), recorder, error_recorder_free);
    gst_bus_set_sync_handler(bus, error_recorder_sync_handler, recorder, NULL);
}

GstMessage *CGStreamerShims_bus_first_error(GstBus *bus) {
    ErrorRecorder *recorder = g_object_get_qdata(G_OBJECT(bus), error_recorder_quark());
    if (!recorder)
        return NULL;
    g_mutex_lock(&recorder->lock);
    GstMessage *message = recorder->first_error ? gst_message_ref(recorder->first_error) : NULL;
    g_mutex_unlock(&recorder->lock);
    return message;
}

void CGStreamerShims_bus_clear_first_error(GstBus *bus) {
    ErrorRecorder *recorder = g_object_get_qdata(G_OBJECT(bus), error_recorder_quark());
    if (!recorder)
        return;
    g_mutex_lock(&recorder->lock);
    gst_message_replace(&recorder->first_error, NULL);
    g_mutex_unlock(&recorder->lock);
}

const gchar *CGStreamerShims_message_type_name(GstMessage *message) {
    return GST_MESSAGE_TYPE_NAME(message);
}

GstMessageType CGStreamerShims_message_type(GstMessage *message) { return GST_MESSAGE_TYPE(message); }

gchar *CGStreamerShims_message_source_name(GstMessage *message) {
    GstObject *source = GST_MESSAGE_SRC(message);
    return source ? gst_object_get_name(source) : NULL;
}

// MARK: - Signals

typedef struct {
    CGStreamerShims_FormatLocationFunc func;
    void *user_data;
    GDestroyNotify release;
} FormatLocationHandler;

static gchar *on_format_location(GstElement *element, guint fragment_id, gpointer data) {
    (void)element;
    FormatLocationHandler *handler = data;
    return handler->func(handler->user_data, fragment_id, NULL);
}

static gchar *on_format_location_full(GstElement *element, guint fragment_id, GstSample *first_sample,
                                      gpointer data) {
    (void)element;
    FormatLocationHandler *handler = data;
    return handler->func(handler->user_data, fragment_id, first_sample);
}

static void format_location_handler_free(gpointer data, GClosure *closure) {
    (void)closure;
    FormatLocationHandler *handler = data;
    handler->release(handler->user_data);
    g_free(handler);
}

gulong CGStreamerShims_connect_format_location(GstElement *element, gboolean full,
                                               CGStreamerShims_FormatLocationFunc func, void *user_data,
                                               GDestroyNotify release) {
    const gchar *signal_name = full ? "format-location-full" : "format-location";
    if (g_signal_lookup(signal_name, G_OBJECT_TYPE(element)) == 0) {
        release(user_data);
        return 0;
    }
    FormatLocationHandler *handler = g_new0(FormatLocationHandler, 1);
    handler->func = func;
    handler->user_data = user_data;
    handler->release = release;
    GCallback callback = full ? G_CALLBACK(on_format_location_full) : G_CALLBACK(on_format_location);
    return g_signal_connect_data(element, signal_name, callback, handler, format_location_handler_free, 0);
}
