// Signals that hand over an element (splitmuxsink's "sink-added"), connected from Swift.
#include "CGStreamerShims.h"

typedef struct {
    CGStreamerShims_ElementSignalFunc func;
    void *user_data;
    GDestroyNotify release;
} ElementSignalHandler;

static void on_element_signal(GstElement *self, GstElement *element, gpointer data) {
    (void)self;
    ElementSignalHandler *handler = data;
    handler->func(handler->user_data, element);
}

static void element_signal_handler_free(gpointer data, GClosure *closure) {
    (void)closure;
    ElementSignalHandler *handler = data;
    handler->release(handler->user_data);
    g_free(handler);
}

gulong CGStreamerShims_connect_element_signal(GstElement *element, const gchar *signal_name,
                                              CGStreamerShims_ElementSignalFunc func, void *user_data,
                                              GDestroyNotify release) {
    guint id = g_signal_lookup(signal_name, G_OBJECT_TYPE(element));
    GSignalQuery query;
    if (id != 0) g_signal_query(id, &query);
    // Only signals whose one parameter is an element and that return nothing fit the callback.
    if (id == 0 || query.n_params != 1 || !g_type_is_a(query.param_types[0], GST_TYPE_ELEMENT)
        || query.return_type != G_TYPE_NONE) {
        release(user_data);
        return 0;
    }
    ElementSignalHandler *handler = g_new0(ElementSignalHandler, 1);
    handler->func = func;
    handler->user_data = user_data;
    handler->release = release;
    return g_signal_connect_data(element, signal_name, G_CALLBACK(on_element_signal), handler,
                                 element_signal_handler_free, 0);
}

gboolean CGStreamerShims_emit_action(GstElement *element, const gchar *signal_name) {
    guint id = g_signal_lookup(signal_name, G_OBJECT_TYPE(element));
    if (id == 0) return FALSE;
    GSignalQuery query;
    g_signal_query(id, &query);
    if (!(query.signal_flags & G_SIGNAL_ACTION) || query.n_params != 0 || query.return_type != G_TYPE_NONE) return FALSE;
    g_signal_emit(element, id, 0);
    return TRUE;
}
