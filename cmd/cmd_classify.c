/* cmd_classify.c: `hotline classify`: ticket events (JSON lines) from stdin
 * or files in, one JSON decision per line out, in input order. A bad line
 * gets an error object with its line number and the run goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "cmd/cli.h"
#include "cmd/render.h"
#include "common/taxonomy.h"
#include "ingest/event.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline classify [options] [FILE...]\n"
                 "       hotline classify [options] --text TEXT [--title TITLE]\n\n"
                 "Reads ticket events as JSON lines (stdin when no FILE) and writes one\n"
                 "line per input line: for a `created` event\n"
                 "  {\"id\",\"topic\",\"environment\",\"department\",\"score\",\"flags\",\"keywords\"}\n"
                 "and for any other line {\"line\":N,\"id\"?,\"error\":...,\"reason\":...}.\n"
                 "Keyword positions are UTF-8 byte offsets in the original title/content.\n\n"
                 "  --text TEXT     classify one text (as a ticket's content)\n"
                 "  --title TITLE   with --text: the ticket's title\n"
                 "  --explain       also print each decision's topic scores to stderr\n");
    hl_cli_common_help(out);
}

typedef struct run_s {
    hl_classifier_t *clf;
    hl_event_parser_t *parser;
    hl_result_t res;
    int explain;
} run_t;

static void print_json(json_t *o) {
    char *s = json_dumps(o, HL_JSON_FLAGS);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(o);
}

static void explain(const hl_result_t *res) {
    double scores[HL_TOPIC_COUNT] = {0};
    for (size_t i = 0; i < res->nmatches; i++)
        if (res->matches[i].rule->topic >= 0)
            scores[res->matches[i].rule->topic] += res->matches[i].weight;
    fprintf(stderr, "  -> %s %s / %s %s\n", hl_topics[res->topic].code,
            hl_topics[res->topic].name_zh, hl_depts[res->dept].code, hl_depts[res->dept].name_zh);
    for (int t = 0; t < HL_TOPIC_OTHER; t++)
        if (scores[t] > 0) {
            fprintf(stderr, "     %-18s %6.2f:", hl_topics[t].code, scores[t]);
            for (size_t i = 0; i < res->nmatches; i++)
                if (res->matches[i].rule->topic == t)
                    fprintf(stderr, " %s(%g%s)", res->matches[i].rule->keyword,
                            res->matches[i].weight, res->matches[i].in_title ? ",title" : "");
            fputc('\n', stderr);
        }
}

static void line_error(long lineno, const hl_event_t *ev, const char *reason,
                       const char *message) {
    json_t *o = json_pack("{s:I}", "line", (json_int_t)lineno);
    if (ev && ev->id.ptr)
        json_object_set_new(o, "id", json_stringn(ev->id.ptr, ev->id.len));
    json_object_set_new(o, "error", json_string(message));
    json_object_set_new(o, "reason", json_string(reason));
    print_json(o);
}

static int classify_stream(run_t *run, FILE *in) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        hl_event_t ev;
        char err[HL_ERRSTR_SIZE];
        hl_reject_t r = hl_event_parse(run->parser, line, len, &ev, err, sizeof err);
        if (r) {
            line_error(lineno, NULL, hl_reject_code(r), err);
            continue;
        }
        if (ev.type != HL_EV_CREATED) {
            line_error(lineno, &ev, "not_created", "only created events carry text to classify");
            continue;
        }
        if (hl_classify(run->clf, ev.title.ptr, ev.title.len, ev.content.ptr,
                        ev.content.len, &run->res)) {
            line_error(lineno, &ev, "internal", "classification failed (out of memory)");
            continue;
        }
        if (run->explain)
            explain(&run->res);
        print_json(hl_result_to_json(&run->res, ev.id.ptr, ev.id.len));
    }
    free(line);
    return ferror(in) ? -1 : 0;
}

int hl_cmd_classify(int argc, char **argv) {
    hl_cli_common_t common = {0};
    const char *text = NULL, *title = NULL;
    const char *files[256];
    int nfiles = 0;
    run_t run = {0};
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--text") == 0 && i + 1 < argc) {
            text = argv[++i];
        } else if (strcmp(argv[i], "--title") == 0 && i + 1 < argc) {
            title = argv[++i];
        } else if (strcmp(argv[i], "--explain") == 0) {
            run.explain = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hotline classify: unknown option \"%s\"\n", argv[i]);
            help(stderr);
            return 2;
        } else if (nfiles < 256) {
            files[nfiles++] = argv[i];
        }
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    hl_classifier_opts_t opts = {conf->title_weight, conf->min_score};
    hl_diag_t diag = {0};
    run.clf = hl_classifier_load(conf->keywords_path, &opts, &diag);
    hl_conf_destroy(conf);
    if (!run.clf) {
        fputs(diag.text ? diag.text : "cannot load the keyword table\n", stderr);
        hl_diag_free(&diag);
        return 1;
    }
    run.parser = hl_event_parser_new();
    int status = 0;
    if (text) {
        if (hl_classify(run.clf, title, title ? strlen(title) : 0, text, strlen(text), &run.res)) {
            fprintf(stderr, "hotline classify: out of memory\n");
            status = 1;
        } else {
            if (run.explain)
                explain(&run.res);
            print_json(hl_result_to_json(&run.res, NULL, 0));
        }
    } else if (nfiles == 0) {
        status = classify_stream(&run, stdin) ? 1 : 0;
    } else {
        for (int i = 0; i < nfiles && status == 0; i++) {
            FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
            if (!f) {
                perror(files[i]);
                status = 1;
                break;
            }
            if (classify_stream(&run, f))
                status = 1;
            if (f != stdin)
                fclose(f);
        }
    }
    hl_result_free(&run.res);
    hl_event_parser_destroy(run.parser);
    hl_classifier_destroy(run.clf);
    return status;
}
