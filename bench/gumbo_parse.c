/* The parser comparison of bench/parser.sh: parse every page of a length-prefixed file (uint32 little-endian byte
   count, then the page's UTF-8 bytes) with Google's gumbo (Debian libgumbo), walk the tree and count the text bytes
   (so the tree is really used), on one thread. Prints one JSON line: pages, MB, seconds, MB/s.
   Build: cc -O2 bench/gumbo_parse.c -lgumbo -o gumbo_parse */
#include <gumbo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t text_bytes(const GumboNode *n) {
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) return strlen(n->v.text.text);
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT) return 0;
    const GumboVector *c = n->type == GUMBO_NODE_ELEMENT ? &n->v.element.children : &n->v.document.children;
    size_t t = 0;
    for (unsigned i = 0; i < c->length; i++) t += text_bytes(c->data[i]);
    return t;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: gumbo_parse PAGES.bin\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    size_t cap = 0, pages = 0, bytes = 0, text = 0;
    char *buf = NULL;
    double secs = 0;
    uint32_t len;
    while (fread(&len, 4, 1, f) == 1) {
        if (len > cap) { cap = len; buf = realloc(buf, cap); }
        if (fread(buf, 1, len, f) != len) break;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        GumboOutput *out = gumbo_parse_with_options(&kGumboDefaultOptions, buf, len);
        text += text_bytes(out->document);
        gumbo_destroy_output(&kGumboDefaultOptions, out);
        clock_gettime(CLOCK_MONOTONIC, &b);
        secs += (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        pages++; bytes += len;
    }
    printf("{\"tool\": \"gumbo 0.10 parse + tree walk\", \"pages\": %zu, \"mb\": %.1f, \"wall_s\": %.3f, \"mb_per_s\": %.2f, \"text_bytes\": %zu}\n",
           pages, bytes / 1e6, secs, bytes / 1e6 / secs, text);
    return 0;
}
