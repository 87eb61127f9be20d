/* sample.c: the stream generator: calendar and daily volume, ticket creation,
 * the lifecycle scheduled on a min-heap, JSON writing, at-least-once
 * duplicates and deliberately invalid messages. Text comes from
 * sample_text.c. */
#include "sample/sample.h"
#include "sample/sample_int.h"

#include <stdio.h>
#include <stdlib.h>

#define N_(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[hl_rng_below((r), (uint32_t)N_(a))])
#define DAY 86400
#define CST (8 * 3600)

/* ---- options -------------------------------------------------------------- */

void hl_sample_opts_default(hl_sample_opts_t *opts) {
    memset(opts, 0, sizeof(*opts));
    opts->seed = 1;
    opts->tickets = 20000;
    opts->max_events = 0;
    opts->start_year = 2023;
    opts->days = 365;
    opts->duplicate_rate = 0.02;
    opts->invalid_rate = 0.001;
    opts->content_bytes = 0;
}

static const char *const event_names[HL_SAMPLE_EV_COUNT] = {
    "created", "dispatched", "resolved", "reviewed", "reopened"};
static const char *const invalid_names[HL_SAMPLE_BAD_COUNT] = {
    "truncated", "not_object", "missing_field", "wrong_type", "bad_ts",
    "unknown_event", "unknown_id", "bad_utf8", "nul_char", "dup_member",
    "bad_value"};

const char *hl_sample_topic_code(int i) { return hl_sample_text_topic_code(i); }
const char *hl_sample_event_name(int i) {
    return i >= 0 && i < HL_SAMPLE_EV_COUNT ? event_names[i] : NULL;
}
const char *hl_sample_invalid_name(int i) {
    return i >= 0 && i < HL_SAMPLE_BAD_COUNT ? invalid_names[i] : NULL;
}

/* ---- calendar (all days are China Standard Time days since 1970-01-01) --- */

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* 0 = Sunday ... 6 = Saturday */
static int weekday(int64_t day) {
    int64_t w = (day + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* Spring Festival (正月初一), Gregorian month*100+day, 2015..2035. */
static const int spring_festival[] = {
    219, 208, 128, 216, 205, 125, 212, 201, 122, 210, 129,
    217, 206, 126, 213, 203, 123, 211, 131, 219, 208};

static int64_t sf_day(int year) {
    int md = year >= 2015 && year <= 2035 ? spring_festival[year - 2015] : 205;
    return days_from_civil(year, md / 100, md % 100);
}

/* 2 = Spring Festival holiday, 1 = other public holiday, 0 = none. */
static int holiday(int64_t day) {
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int64_t sf = sf_day(y);
    if (day >= sf - 1 && day <= sf + 5)
        return 2;
    if ((m == 1 && d == 1) || (m == 4 && d >= 4 && d <= 6) ||
        (m == 5 && d >= 1 && d <= 5) || (m == 10 && d >= 1 && d <= 7))
        return 1;
    return 0;
}

static int workday(int64_t day) {
    int w = weekday(day);
    return w != 0 && w != 6 && !holiday(day);
}

/* Relative ticket volume of a day (weekday = 1). */
static double day_factor(int64_t day) {
    int h = holiday(day);
    if (h == 2)
        return 0.15;
    if (h == 1)
        return 0.28;
    int w = weekday(day);
    return w == 6 ? 0.42 : w == 0 ? 0.33 : w == 1 ? 1.12 : 1.0;
}

static int64_t at(int64_t day, int64_t sec) { return day * DAY + sec - CST; }
static int64_t day_of(int64_t t) {
    int64_t x = t + CST;
    return x >= 0 ? x / DAY : (x - DAY + 1) / DAY;
}
static int64_t sec_of(int64_t t) { return t + CST - day_of(t) * DAY; }

static int64_t next_workday(int64_t day) {
    do
        day++;
    while (!workday(day));
    return day;
}

static int64_t add_workdays(int64_t day, int k) {
    while (k-- > 0)
        day = next_workday(day);
    return day;
}

#define WORK_START (8 * 3600 + 30 * 60)
#define WORK_END (17 * 3600 + 30 * 60)

/* Moves @p t into working hours (the same moment if it is in them). */
static int64_t into_work(hl_rng_t *r, int64_t t) {
    int64_t d = day_of(t), s = sec_of(t);
    if (workday(d) && s >= WORK_START && s < WORK_END)
        return t;
    if (!workday(d) || s >= WORK_END)
        d = next_workday(d);
    return at(d, WORK_START + hl_rng_range(r, 0, 150 * 60));
}

/* exp() without libm: 2^k * e^r with |r| <= ln2/2, Taylor series. */
static double exp_approx(double x) {
    if (x > 700)
        x = 700;
    if (x < -700)
        return 0;
    const double ln2 = 0.6931471805599453;
    int k = (int)(x / ln2 + (x >= 0 ? 0.5 : -0.5));
    double rr = x - k * ln2, term = 1, sum = 1;
    for (int i = 1; i < 14; i++) {
        term *= rr / i;
        sum += term;
    }
    while (k > 0) {
        sum *= 2;
        k--;
    }
    while (k < 0) {
        sum /= 2;
        k++;
    }
    return sum;
}

/* Log-normal with the given median and sigma; the normal deviate is the
 * Irwin-Hall sum of 12 uniforms (bounded at 6 sigma, which suits delays). */
static double lognormal(hl_rng_t *r, double median, double sigma) {
    double z = -6.0;
    for (int i = 0; i < 12; i++)
        z += hl_rng_unit(r);
    return median * exp_approx(sigma * z);
}

/* A moment about @p wd working days after @p t (fractions are hours). */
static int64_t after_workdays(hl_rng_t *r, int64_t t, double wd) {
    if (wd < 0.02)
        wd = 0.02;
    if (wd > 60)
        wd = 60;
    int k = (int)wd;
    double frac = wd - k;
    int64_t base = into_work(r, t);
    int64_t d = add_workdays(day_of(base), k);
    int64_t s = sec_of(base) + (int64_t)(frac * (WORK_END - WORK_START));
    if (s >= WORK_END) {
        d = next_workday(d);
        s = WORK_START + (s - WORK_END);
    }
    return at(d, s);
}

/* ---- static data ---------------------------------------------------------- */

/* District surface forms: the name, simplified aliases, traditional ones. */
typedef struct dist_s {
    const char *name;
    const char *alias[4];
    const char *trad[2];
    int weight;
    const char *region;   /* credit code region digits */
    const char *city;     /* for enterprise names */
} dist_t;

static const dist_t dists[HL_SD_COUNT] = {
    {"京口区", {"京口"}, {"京口區"}, 13, "321102", "镇江"},
    {"润州区", {"润州"}, {"潤州區"}, 11, "321111", "镇江"},
    {"丹徒区", {"丹徒"}, {"丹徒區"}, 9, "321112", "镇江"},
    {"丹阳市", {"丹阳"}, {"丹陽市"}, 14, "321181", "丹阳"},
    {"句容市", {"句容"}, {NULL}, 11, "321183", "句容"},
    {"扬中市", {"扬中"}, {"揚中市"}, 10, "321182", "扬中"},
    {"镇江新区", {"新区", "镇江经开区", "镇江经济技术开发区"}, {"鎮江新區"}, 13,
     "321191", "镇江"},
    {"镇江高新区", {"高新区", "镇江高新技术产业开发区"}, {"鎮江高新區"}, 10,
     "321100", "镇江"},
};

/* Text that is no district of districts.tsv (counts under UNK). Some are
 * hostile on purpose: storage keys must survive whatever is here. */
static const char *const odd_districts[] = {
    "镇江市", "市区", "某工业园", "大港", "宝堰镇", "", " 京口区", "润州区 ",
    "丹阳市开发区", "镇江", "unknown", "JK", "润州区/京口区", "丹阳\t",
    "扬中市\"老城区\"", "新区:tickets:*", "句容市\\华阳", "\xE2\x80\x8B京口区",
    "全市", "南京市", "常州市武进区", "{XQ}", "null", "高新区\n园区"};

static const char *const parks[HL_SD_COUNT][4] = {
    {"京口工业园", "京口科技创业园", NULL, NULL},
    {"润州工业园", "官塘创新社区", NULL, NULL},
    {"丹徒经济开发区", "丹徒高新园区", NULL, NULL},
    {"丹阳经济开发区", "丹阳高新区", "丹阳开发区眼镜产业园", NULL},
    {"句容经济开发区", "句容台湾农民创业园", "宝华产业园", NULL},
    {"扬中高新区", "扬中经济开发区", NULL, NULL},
    {"镇江经济技术开发区", "镇江新区新材料产业园", "镇江综合保税区", "大港化工园区"},
    {"镇江高新区", "镇江高新技术产业开发区", "镇江国家大学科技园", NULL},
};

typedef struct dept_s {
    const char *code, *name;
} dept_t;

static const dept_t depts[] = {
    {"NDRC", "市发展和改革委员会"}, {"APPROVAL", "市行政审批局"},
    {"GOVSVC", "市政务服务管理办公室"}, {"SAMR", "市市场监督管理局（知识产权局）"},
    {"TAX", "市税务局"}, {"FINANCE", "市财政局"}, {"MIIT", "市工业和信息化局"},
    {"COMMERCE", "市商务局"}, {"HRSS", "市人力资源和社会保障局"},
    {"NATRES", "市自然资源和规划局"}, {"HOUSING", "市住房和城乡建设局"},
    {"URBAN", "市城市管理局"}, {"ECOENV", "市生态环境局"},
    {"EMERGENCY", "市应急管理局"}, {"FIRE", "市消防救援支队"},
    {"POLICE", "市公安局"}, {"JUSTICE", "市司法局"},
    {"COURT", "市中级人民法院"}, {"FINREG", "市地方金融监督管理局"},
    {"EDUCATION", "市教育局"}, {"HEALTH", "市卫生健康委员会"},
    {"TRANSPORT", "市交通运输局"}, {"SCITECH", "市科学技术局"},
    {"DISCIPLINE", "市纪委监委"}, {"POWER", "国网镇江供电公司"},
    {"WATER", "市供水公司"}, {"GAS", "市燃气公司"},
    {"LOCAL", "属地政府（各市、区、园区管委会）"},
    {"HOTLINE", "12345热线办（人工分拣）"},
};
#define DEPT_LOCAL 27

static int dept_index(const char *code, size_t n) {
    for (size_t i = 0; i < N_(depts); i++)
        if (strlen(depts[i].code) == n && memcmp(depts[i].code, code, n) == 0)
            return (int)i;
    return DEPT_LOCAL;
}

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
    "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
    "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "沈",
    "姚", "卢", "姜", "崔", "钟", "陆", "汪", "范", "金", "严", "戴", "殷"};
static const char *const honorifics[] = {
    "先生", "先生", "女士", "女士", "经理", "总", "老板", "师傅", "会计",
    "主任", "工"};
static const char *const brands[] = {
    "华瑞", "恒通", "金鼎", "润泰", "宏达", "鑫源", "江海", "新亚", "天成",
    "永盛", "瑞丰", "中威", "苏润", "宝利", "协和", "康达", "锦程", "长江",
    "德力", "远航"};

static const char *const notes_dispatch[] = {
    "请于规定时限内办结并答复来电人", "已电话告知来电人转办情况",
    "加急件，请优先处理", "企业诉求，请按营商环境工单要求办理",
    "重复来电，请重点关注"};
static const char *const notes_redispatch[] = {
    "原承办单位申请退单，改派", "经核实不属于原单位职责，改派",
    "二次派单", "按属地管理原则改派"};
static const char *const notes_resolve[] = {
    "已联系企业，问题已解决", "已电话回复来电人，来电人表示理解",
    "已协调相关单位，款项已支付部分", "经核实情况属实，已责令整改",
    "已答复政策依据及办理渠道", "已现场处理", "属于司法程序事项，已告知诉讼途径",
    "已约谈相关负责人"};
static const char *const notes_reopen[] = {
    "来电人反映问题未实际解决，重新办理", "回访不满意，退回重办",
    "企业称答复与事实不符"};
static const char *const notes_review[] = {
    "回访：来电人对办理结果认可", "来电人称态度好但问题未彻底解决",
    "首次回访未接通，二次回访", "来电人表示会继续关注"};

static const char *const channels[] = {
    "phone", "wechat", "web", "app", "letter", "email"};
static const int channel_w[] = {470, 170, 120, 120, 55, 45};
static const char *const odd_channels[] = {
    "sms", "mayor_mailbox", "visit", "12345_app", "Phone"};

/* ---- pending lifecycle events --------------------------------------------- */

enum { ST_DISPATCH, ST_REDISPATCH, ST_RESOLVE, ST_REOPEN, ST_REVIEW };
#define F_LATE 0x01
#define F_REOPENED 0x02
#define F_INQUIRY 0x04

typedef struct pend_s {
    int64_t when;    /* when the event happens */
    uint64_t order;  /* tie-break: scheduling order */
    int64_t due;     /* due_at, or 0 */
    int64_t created; /* created ts */
    int32_t day;     /* CST day of creation (for the id) */
    uint32_t seq;    /* number within the day */
    uint8_t step;    /* ST_* */
    uint8_t dept;    /* handling department index */
    uint8_t right;   /* department the text points to */
    uint8_t flags;
    uint8_t reviews; /* reviews so far */
    uint8_t resolves;
    uint8_t topic;
    const char *alt; /* space-separated misroutes (static) */
} pend_t;

typedef struct heap_s {
    pend_t *v;
    size_t n, cap;
} heap_t;

static int pend_less(const pend_t *a, const pend_t *b) {
    return a->when < b->when || (a->when == b->when && a->order < b->order);
}

static int heap_push(heap_t *h, const pend_t *p) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        pend_t *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return -1;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pend_less(p, &h->v[parent]))
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = *p;
    return 0;
}

static void heap_pop(heap_t *h, pend_t *out) {
    *out = h->v[0];
    pend_t last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && pend_less(&h->v[c + 1], &h->v[c]))
            c++;
        if (!pend_less(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
}

/* ---- generator state ------------------------------------------------------ */

typedef struct gen_s {
    const hl_sample_opts_t *opts;
    hl_sample_emit_fn emit;
    void *opaque;
    hl_rng_t r;
    heap_t heap;
    uint64_t order;
    hl_sample_stats_t st;
    int done, rc, oom;
    /* message being built */
    hl_sbuf_t msg, title, content, scratch, bad;
    size_t json_off;   /* start of the JSON (after an optional BOM) */
    char id[40];
    size_t id_len;
    int style;         /* 0 compact, 1 spaced, 2 \u-escaped non-ASCII */
    int64_t cur_day;   /* CST day being created */
} gen_t;

/* Hands one message to the callback; returns non-zero when generation must
 * stop (callback asked, or max_events reached). */
static int deliver(gen_t *g, const char *key, size_t klen, const char *p,
                   size_t n) {
    if (g->done)
        return 1;
    int rc = g->emit(g->opaque, key, klen, p, n);
    g->st.messages++;
    g->st.bytes += n;
    if (rc) {
        g->rc = rc;
        g->done = 1;
    } else if (g->opts->max_events && g->st.messages >= g->opts->max_events) {
        g->done = 1;
    }
    return g->done;
}

/* ---- JSON writing --------------------------------------------------------- */

static void put_u_escape(hl_sbuf_t *b, unsigned v) {
    static const char hex[] = "0123456789abcdef";
    char u[6] = {'\\', 'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15],
                 hex[(v >> 4) & 15], hex[v & 15]};
    hl_sbuf_put(b, u, 6);
}

/* Writes @p s as a JSON string; bytes are assumed valid UTF-8. */
static void json_str_n(gen_t *g, hl_sbuf_t *b, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    hl_sbuf_putc(b, '"');
    while (p < e) {
        const unsigned char *q = p;
        if (g->style == 2) {
            while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
                q++;
        } else {
            while (q < e && *q >= 0x20 && *q != '"' && *q != '\\')
                q++;
        }
        hl_sbuf_put(b, (const char *)p, (size_t)(q - p));
        if (q >= e)
            break;
        unsigned c = *q;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            hl_sbuf_put(b, esc, 2);
            p = q + 1;
        } else if (c < 0x20) {
            const char *m = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                          : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            if (m)
                hl_sbuf_put(b, m, 2);
            else
                put_u_escape(b, c);
            p = q + 1;
        } else { /* non-ASCII in style 2 */
            uint32_t cp;
            size_t len;
            if (c < 0xE0 && q + 1 < e) {
                cp = ((c & 0x1Fu) << 6) | (q[1] & 0x3Fu);
                len = 2;
            } else if (c < 0xF0 && q + 2 < e) {
                cp = ((c & 0x0Fu) << 12) | ((q[1] & 0x3Fu) << 6) | (q[2] & 0x3Fu);
                len = 3;
            } else if (q + 3 < e) {
                cp = ((c & 0x07u) << 18) | ((q[1] & 0x3Fu) << 12) |
                     ((q[2] & 0x3Fu) << 6) | (q[3] & 0x3Fu);
                len = 4;
            } else {
                cp = 0xFFFD;
                len = (size_t)(e - q);
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                put_u_escape(b, 0xD800 + (cp >> 10));
                put_u_escape(b, 0xDC00 + (cp & 0x3FF));
            } else {
                put_u_escape(b, cp);
            }
            p = q + len;
        }
    }
    hl_sbuf_putc(b, '"');
}

static void json_str(gen_t *g, hl_sbuf_t *b, const char *s) {
    json_str_n(g, b, s, strlen(s));
}

/* Writes `,"name":` (or `{"name":` when first). */
static void json_key(gen_t *g, hl_sbuf_t *b, const char *name, int first) {
    if (!first)
        hl_sbuf_puts(b, g->style == 1 ? ", " : ",");
    else
        hl_sbuf_putc(b, '{');
    hl_sbuf_putc(b, '"');
    hl_sbuf_puts(b, name);
    hl_sbuf_puts(b, g->style == 1 ? "\": " : "\":");
}

static void json_field(gen_t *g, hl_sbuf_t *b, const char *name,
                       const char *val, int first) {
    json_key(g, b, name, first);
    json_str(g, b, val);
}

/* Appends the RFC 3339 form of @p t in the given offset (minutes east of
 * UTC; INT32_MIN = "Z"), without quotes. */
static void put_ts_raw(hl_sbuf_t *b, int64_t t, int off_min) {
    int z = off_min == INT32_MIN;
    int64_t local = t + (z ? 0 : off_min * 60);
    int64_t d = local >= 0 ? local / DAY : (local - DAY + 1) / DAY;
    int64_t s = local - d * DAY;
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    hl_sbuf_putu(b, (uint64_t)y, 4);
    hl_sbuf_putc(b, '-');
    hl_sbuf_putu(b, (uint64_t)m, 2);
    hl_sbuf_putc(b, '-');
    hl_sbuf_putu(b, (uint64_t)dd, 2);
    hl_sbuf_putc(b, 'T');
    hl_sbuf_putu(b, (uint64_t)(s / 3600), 2);
    hl_sbuf_putc(b, ':');
    hl_sbuf_putu(b, (uint64_t)(s / 60 % 60), 2);
    hl_sbuf_putc(b, ':');
    hl_sbuf_putu(b, (uint64_t)(s % 60), 2);
    if (z) {
        hl_sbuf_putc(b, 'Z');
        return;
    }
    int a = off_min < 0 ? -off_min : off_min;
    hl_sbuf_putc(b, off_min < 0 ? '-' : '+');
    hl_sbuf_putu(b, (uint64_t)(a / 60), 2);
    hl_sbuf_putc(b, ':');
    hl_sbuf_putu(b, (uint64_t)(a % 60), 2);
}

/* Offset a producer used for one timestamp: mostly +08:00. */
static int pick_offset(hl_rng_t *r) {
    uint32_t x = hl_rng_below(r, 1000);
    if (x < 950)
        return 480;
    if (x < 980)
        return INT32_MIN;
    if (x < 990)
        return 0;
    static const int other[] = {540, -300, 330, 60, -420};
    return PICK(r, other);
}

static void json_ts(gen_t *g, hl_sbuf_t *b, const char *name, int64_t t,
                    int off) {
    json_key(g, b, name, 0);
    hl_sbuf_putc(b, '"');
    put_ts_raw(b, t, off);
    hl_sbuf_putc(b, '"');
}

static void make_id(gen_t *g, int64_t day, uint32_t seq) {
    hl_sbuf_t b = {g->id, 0, sizeof(g->id), 0};
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    hl_sbuf_puts(&b, "ZJ12345-");
    hl_sbuf_putu(&b, (uint64_t)y, 4);
    hl_sbuf_putu(&b, (uint64_t)m, 2);
    hl_sbuf_putu(&b, (uint64_t)d, 2);
    hl_sbuf_putc(&b, '-');
    hl_sbuf_putu(&b, seq, 6);
    g->id_len = b.len;
    g->id[b.len < sizeof(g->id) ? b.len : sizeof(g->id) - 1] = '\0';
}

/* Starts a message: optional BOM, style, `{"id":..,"event":..,"ts":..`. */
static void msg_begin(gen_t *g, const char *event, int64_t t) {
    hl_rng_t *r = &g->r;
    g->msg.len = 0;
    uint32_t x = hl_rng_below(r, 10000);
    g->style = x < 100 ? 1 : x < 200 ? 2 : 0;
    if (hl_rng_below(r, 10000) < 5)
        hl_sbuf_puts(&g->msg, "\xEF\xBB\xBF"); /* tolerated by the contract */
    g->json_off = g->msg.len;
    json_key(g, &g->msg, "id", 1);
    json_str_n(g, &g->msg, g->id, g->id_len);
    json_field(g, &g->msg, "event", event, 0);
    json_ts(g, &g->msg, "ts", t, pick_offset(r));
}

static void msg_end(gen_t *g) {
    if (hl_rng_below(&g->r, 1000) < 8) { /* unknown fields are ignored */
        json_key(g, &g->msg, hl_rng_chance(&g->r, 0.5) ? "source" : "schema_version", 0);
        hl_sbuf_puts(&g->msg, hl_rng_chance(&g->r, 0.5) ? "\"12345-zj\"" : "2");
    }
    hl_sbuf_putc(&g->msg, '}');
}

/* ---- invalid messages ----------------------------------------------------- */

static const char *const gbk_bytes[] = {
    "\xD5\xF2\xBD\xAD",                      /* 镇江 in GBK */
    "\xCD\xCF\xC7\xB7\xB9\xA4\xB3\xCC\xBF\xEE", /* 拖欠工程款 in GBK */
    "\xC3(",                                  /* broken 2-byte sequence */
    "\xED\xA0\x80",                           /* encoded surrogate */
    "\xC0\xAF",                               /* overlong '/' */
    "\xFF\xFE",                               /* never valid */
    "\xE6\x8B",                               /* truncated 3-byte sequence */
    "\x80\x80\x80",                           /* lone continuation bytes */
};

/* Copy of the current valid message's JSON without its closing brace. */
static void bad_from_current(gen_t *g) {
    g->bad.len = 0;
    size_t n = g->msg.len - g->json_off;
    hl_sbuf_put(&g->bad, g->msg.p + g->json_off, n - 1);
}

/* Inserts raw bytes @p ins into the current message: inside `content` or
 * `note` when present, else as a new `note`. */
static void bad_insert(gen_t *g, const char *ins, size_t n) {
    static const char *const keys[] = {"\"content\":\"", "\"note\":\""};
    bad_from_current(g);
    const char *b = g->bad.p;
    size_t len = g->bad.len, at = 0;
    for (size_t k = 0; k < N_(keys) && !at; k++) {
        size_t kl = strlen(keys[k]);
        for (size_t i = 0; i + kl <= len; i++)
            if (b[i] == '"' && memcmp(b + i, keys[k], kl) == 0) {
                at = i + kl;
                break;
            }
    }
    if (at) {
        /* a UTF-8 boundary a little into the text, before any escape */
        size_t pos = at;
        for (int k = 0; k < 12 && pos < len && b[pos] != '"' && b[pos] != '\\'; k++) {
            pos++;
            while (pos < len && ((unsigned char)b[pos] & 0xC0) == 0x80)
                pos++;
        }
        hl_sbuf_t tail = {0};
        hl_sbuf_put(&tail, g->bad.p + pos, len - pos);
        g->bad.len = pos;
        hl_sbuf_put(&g->bad, ins, n);
        hl_sbuf_put(&g->bad, tail.p, tail.len);
        hl_sbuf_putc(&g->bad, '}');
        if (tail.oom)
            g->bad.oom = 1;
        hl_sbuf_free(&tail);
    } else {
        hl_sbuf_puts(&g->bad, ",\"note\":\"回访");
        hl_sbuf_put(&g->bad, ins, n);
        hl_sbuf_puts(&g->bad, "\"}");
    }
}

/* A small valid-looking event of ticket g->id, for kinds that need to change
 * one field: writes everything but @p skip, and @p raw_field/@p raw_value
 * (already JSON) in its place when given. */
static void bad_event(gen_t *g, const char *event, const char *skip,
                      const char *raw_field, const char *raw_value,
                      int64_t t) {
    hl_sbuf_t *b = &g->bad;
    int saved = g->style;
    g->style = 0;
    b->len = 0;
    int first = 1, raw_done = 0;
#define FIELD(name, code)                                                      \
    do {                                                                       \
        if (raw_field && strcmp(raw_field, name) == 0) {                       \
            json_key(g, b, name, first);                                       \
            hl_sbuf_puts(b, raw_value);                                        \
            raw_done = 1;                                                      \
            first = 0;                                                         \
        } else if (!skip || strcmp(skip, name) != 0) {                         \
            json_key(g, b, name, first);                                       \
            code;                                                              \
            first = 0;                                                         \
        }                                                                      \
    } while (0)
    FIELD("id", json_str_n(g, b, g->id, g->id_len));
    FIELD("event", json_str(g, b, event));
    FIELD("ts", (hl_sbuf_putc(b, '"'), put_ts_raw(b, t, 480), hl_sbuf_putc(b, '"')));
    if (strcmp(event, "created") == 0) {
        FIELD("channel", json_str(g, b, "phone"));
        FIELD("appeal_type", json_str(g, b, "投诉"));
        FIELD("district", json_str(g, b, dists[hl_rng_below(&g->r, HL_SD_COUNT)].name));
        FIELD("title", json_str(g, b, "企业反映问题"));
        FIELD("content", json_str(g, b, "企业来电反映：项目手续办了很久还没有结果，请尽快处理。"));
        FIELD("enterprise", hl_sbuf_puts(b, "{\"name\":\"镇江某科技有限公司\",\"credit_code\":\"91321100MA1XXXXXX0\"}"));
    } else if (strcmp(event, "dispatched") == 0) {
        FIELD("department", json_str(g, b, PICK(&g->r, depts).code));
    } else if (strcmp(event, "reviewed") == 0) {
        FIELD("satisfaction", json_str(g, b, "满意"));
    }
#undef FIELD
    if (raw_field && !raw_done) { /* e.g. caller, due_at: append */
        json_key(g, b, raw_field, first);
        hl_sbuf_puts(b, raw_value);
    }
    hl_sbuf_putc(b, '}');
    g->style = saved;
}

/* Emits one deliberately invalid message, derived from the current one. */
static void emit_invalid(gen_t *g, int64_t t) {
    hl_rng_t *r = &g->r;
    static const int kind_w[HL_SAMPLE_BAD_COUNT] = {14, 8, 14, 12, 12, 7, 10,
                                                     8, 4, 5, 6};
    int total = 0;
    for (int i = 0; i < HL_SAMPLE_BAD_COUNT; i++)
        total += kind_w[i];
    int x = (int)hl_rng_below(r, (uint32_t)total), kind = 0;
    while (x >= kind_w[kind])
        x -= kind_w[kind++];
    const char *key = g->id;
    size_t klen = g->id_len;
    char idbuf[48];
    hl_sbuf_t *b = &g->bad;
    static const char *const lifecycle[] = {"dispatched", "resolved", "reviewed",
                                            "reopened"};
    switch (kind) {
    case HL_SAMPLE_BAD_TRUNCATED: {
        size_t n = g->msg.len - g->json_off;
        b->len = 0;
        hl_sbuf_put(b, g->msg.p + g->json_off,
                    1 + hl_rng_below(r, (uint32_t)(n - 2)));
        if (hl_rng_chance(r, 0.3))
            key = NULL;
        break;
    }
    case HL_SAMPLE_BAD_NOT_OBJECT: {
        b->len = 0;
        uint32_t v = hl_rng_below(r, 9);
        if (v == 0) {
            hl_sbuf_putc(b, '[');
            hl_sbuf_put(b, g->msg.p + g->json_off, g->msg.len - g->json_off);
            hl_sbuf_putc(b, ']');
        } else if (v == 1) {
            hl_sbuf_put(b, g->msg.p + g->json_off, g->msg.len - g->json_off);
            hl_sbuf_put(b, g->msg.p + g->json_off, g->msg.len - g->json_off);
        } else {
            static const char *const lit[] = {"\"工单已受理\"", "42", "null", "",
                                              "   \n", "true", "[]"};
            hl_sbuf_puts(b, lit[v - 2]);
        }
        if (hl_rng_chance(r, 0.5))
            key = NULL;
        break;
    }
    case HL_SAMPLE_BAD_MISSING: {
        static const char *const created_req[] = {"content", "district", "channel",
                                                  "appeal_type", "ts", "id", "event"};
        uint32_t v = hl_rng_below(r, 3);
        if (v == 0)
            bad_event(g, "created", PICK(r, created_req), NULL, NULL, t);
        else if (v == 1)
            bad_event(g, "dispatched", hl_rng_chance(r, 0.7) ? "department" : "ts", NULL, NULL, t);
        else
            bad_event(g, "reviewed", hl_rng_chance(r, 0.7) ? "satisfaction" : "id", NULL, NULL, t);
        break;
    }
    case HL_SAMPLE_BAD_TYPE: {
        static const struct { const char *ev, *field, *val; } wt[] = {
            {"created", "ts", "1676424660"}, {"created", "content", "12345"},
            {"created", "content", "null"}, {"created", "district", "[\"京口区\"]"},
            {"created", "enterprise", "\"镇江某科技有限公司\""},
            {"created", "title", "true"}, {"created", "channel", "1"},
            {"dispatched", "department", "{\"code\":\"NDRC\"}"},
            {"reviewed", "satisfaction", "3"}, {"resolved", "id", "20230215000123"},
            {"created", "caller", "[\"王先生\"]"}, {"created", "due_at", "1676624660"},
            {"resolved", "event", "[\"resolved\"]"}};
        uint32_t v = hl_rng_below(r, (uint32_t)N_(wt));
        bad_event(g, wt[v].ev, NULL, wt[v].field, wt[v].val, t);
        break;
    }
    case HL_SAMPLE_BAD_TS: {
        static const char *const ts[] = {
            "\"2023-02-30T10:00:00+08:00\"", "\"2023-02-15T09:31:00\"",
            "\"2023/02/15 09:31:00\"", "\"2023-13-01T10:00:00+08:00\"",
            "\"2023-02-15T25:10:00+08:00\"", "\"\"", "\"昨天下午三点\"",
            "\"2023-02-15T09:31:00+8:00\"", "\"1676424660\"",
            "\"2023-02-15T09:61:00+08:00\"", "\"15/02/2023 09:31\"",
            "\"2023-02-15T09:31:00+08:00 \""};
        bad_event(g, hl_rng_chance(r, 0.5) ? "created" : PICK(r, lifecycle),
                  NULL, "ts", PICK(r, ts), t);
        break;
    }
    case HL_SAMPLE_BAD_EVENT: {
        static const char *const ev[] = {"\"closed\"", "\"escalated\"", "\"deleted\"",
                                         "\"\"", "\"resolve\"", "\"审核\"",
                                         "\"assigned\"", "\"updated\""};
        bad_event(g, "resolved", NULL, "event", PICK(r, ev), t);
        break;
    }
    case HL_SAMPLE_BAD_UNKNOWN_ID: {
        int64_t day = day_of(t);
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        hl_sbuf_t ib = {idbuf, 0, sizeof(idbuf), 0};
        hl_sbuf_puts(&ib, "ZJ12345-");
        hl_sbuf_putu(&ib, (uint64_t)y, 4);
        hl_sbuf_putu(&ib, (uint64_t)m, 2);
        hl_sbuf_putu(&ib, (uint64_t)d, 2);
        hl_sbuf_puts(&ib, "-9");
        hl_sbuf_putu(&ib, hl_rng_below(r, 1000000), 6);
        char saved[40];
        size_t saved_len = g->id_len;
        memcpy(saved, g->id, sizeof(saved));
        memcpy(g->id, idbuf, ib.len);
        g->id_len = ib.len;
        bad_event(g, PICK(r, lifecycle), NULL, NULL, NULL, t);
        memcpy(g->id, saved, sizeof(saved));
        g->id_len = saved_len;
        key = idbuf;
        klen = ib.len;
        break;
    }
    case HL_SAMPLE_BAD_UTF8: {
        const char *s = PICK(r, gbk_bytes);
        bad_insert(g, s, strlen(s));
        break;
    }
    case HL_SAMPLE_BAD_NUL:
        bad_insert(g, "\\u0000", 6);
        break;
    case HL_SAMPLE_BAD_DUP_MEMBER: {
        bad_from_current(g);
        uint32_t v = hl_rng_below(r, 3);
        if (v == 0) {
            hl_sbuf_puts(b, ",\"event\":\"");
            hl_sbuf_puts(b, PICK(r, lifecycle));
            hl_sbuf_putc(b, '"');
        } else if (v == 1) {
            hl_sbuf_puts(b, ",\"id\":\"");
            hl_sbuf_put(b, g->id, g->id_len);
            hl_sbuf_putc(b, '"');
        } else {
            hl_sbuf_puts(b, ",\"ts\":\"");
            put_ts_raw(b, t + 60, 480);
            hl_sbuf_putc(b, '"');
        }
        hl_sbuf_putc(b, '}');
        break;
    }
    default: { /* HL_SAMPLE_BAD_VALUE */
        static const char *const sat[] = {"\"非常满意\"", "\"一般\"", "\"satisfied\"",
                                          "\"\""};
        static const char *const ids[] = {
            "\"ZJ12345 20230215 000123\"", "\"ZJ12345/20230215/000123\"",
            "\"工单-000123\"", "\"\"",
            "\"ZJ12345-20230215-000123-0000000000000000000000000000000000000000000\"",
            "\"ZJ12345-20230215-000123\\n\""};
        if (hl_rng_chance(r, 0.5)) {
            bad_event(g, "reviewed", NULL, "satisfaction", PICK(r, sat), t);
        } else {
            const char *v = PICK(r, ids);
            bad_event(g, PICK(r, lifecycle), NULL, "id", v, t);
        }
        break;
    }
    }
    if (b->oom) {
        g->oom = 1;
        g->done = 1;
        return;
    }
    g->st.invalid++;
    g->st.invalid_kinds[kind]++;
    deliver(g, key, key ? klen : 0, b->p, b->len);
}

/* Emits the message in g->msg, then maybe its duplicate and an invalid one. */
static void send(gen_t *g, int ev, int64_t t) {
    if (g->msg.oom) {
        g->oom = 1;
        g->done = 1;
        return;
    }
    g->st.events[ev]++;
    if (deliver(g, g->id, g->id_len, g->msg.p, g->msg.len))
        return;
    if (g->opts->duplicate_rate > 0 && hl_rng_chance(&g->r, g->opts->duplicate_rate)) {
        g->st.duplicates++;
        if (deliver(g, g->id, g->id_len, g->msg.p, g->msg.len))
            return;
    }
    if (g->opts->invalid_rate > 0 && hl_rng_chance(&g->r, g->opts->invalid_rate))
        emit_invalid(g, t);
}

/* ---- lifecycle ------------------------------------------------------------ */

static void schedule(gen_t *g, pend_t *p, int step, int64_t when, int64_t last) {
    if (when <= last)
        when = last + 60 + hl_rng_range(&g->r, 0, 1800);
    p->step = (uint8_t)step;
    p->when = when;
    p->order = g->order++;
    if (heap_push(&g->heap, p) != 0) {
        g->oom = 1;
        g->done = 1;
    }
    if (g->heap.n > g->st.max_pending)
        g->st.max_pending = g->heap.n;
}

static int pick_alt(gen_t *g, const pend_t *p) {
    hl_rng_t *r = &g->r;
    if (!p->alt || hl_rng_chance(r, 0.4))
        return p->right == DEPT_LOCAL ? 0 : DEPT_LOCAL;
    int n = 1;
    for (const char *s = p->alt; *s; s++)
        n += *s == ' ';
    int k = (int)hl_rng_below(r, (uint32_t)n);
    const char *s = p->alt;
    while (k-- > 0)
        s = strchr(s, ' ') + 1;
    const char *e = strchr(s, ' ');
    int d = dept_index(s, e ? (size_t)(e - s) : strlen(s));
    return d == p->right ? DEPT_LOCAL : d;
}

static void put_dept(gen_t *g, int d) {
    json_field(g, &g->msg, "department",
               hl_rng_chance(&g->r, 0.6) ? depts[d].code : depts[d].name, 0);
}

static void maybe_note(gen_t *g, const char *const *v, size_t n, double p) {
    if (hl_rng_chance(&g->r, p))
        json_field(g, &g->msg, "note", v[hl_rng_below(&g->r, (uint32_t)n)], 0);
}

static void schedule_resolve(gen_t *g, pend_t *p, int64_t from, double median) {
    int64_t t = after_workdays(&g->r, from, lognormal(&g->r, median, 0.75));
    schedule(g, p, ST_RESOLVE, t, from);
}

static void run_pending(gen_t *g, pend_t *p) {
    hl_rng_t *r = &g->r;
    int64_t t = p->when;
    make_id(g, p->day, p->seq);
    switch (p->step) {
    case ST_DISPATCH:
    case ST_REDISPATCH: {
        int redo = p->step == ST_REDISPATCH;
        int d;
        if (redo)
            d = p->dept != p->right ? p->right : pick_alt(g, p);
        else
            d = hl_rng_chance(r, 0.90) ? p->right : pick_alt(g, p);
        p->dept = (uint8_t)d;
        msg_begin(g, "dispatched", t);
        put_dept(g, d);
        if (redo)
            maybe_note(g, notes_redispatch, N_(notes_redispatch), 0.6);
        else
            maybe_note(g, notes_dispatch, N_(notes_dispatch), 0.1);
        msg_end(g);
        if (redo)
            g->st.redispatched++;
        send(g, HL_SAMPLE_EV_DISPATCHED, t);
        if (!redo && hl_rng_chance(r, p->dept != p->right ? 0.35 : 0.015))
            schedule(g, p, ST_REDISPATCH, after_workdays(r, t, 0.3 + 2.5 * hl_rng_unit(r)), t);
        else if (hl_rng_chance(r, 0.915))
            schedule_resolve(g, p, t, 2.4);
        break;
    }
    case ST_RESOLVE:
        msg_begin(g, "resolved", t);
        maybe_note(g, notes_resolve, N_(notes_resolve), 0.15);
        msg_end(g);
        send(g, HL_SAMPLE_EV_RESOLVED, t);
        p->resolves++;
        if (p->due && t > p->due)
            p->flags |= F_LATE;
        if (p->resolves == 1 && hl_rng_chance(r, 0.06)) {
            schedule(g, p, ST_REOPEN, t + (int64_t)(lognormal(r, 3.0, 0.7) * DAY), t);
        } else if (hl_rng_chance(r, 0.70)) {
            int64_t w = after_workdays(r, t, 0.2 + 2.0 * hl_rng_unit(r));
            schedule(g, p, ST_REVIEW, w, t);
        }
        break;
    case ST_REOPEN:
        msg_begin(g, "reopened", t);
        maybe_note(g, notes_reopen, N_(notes_reopen), 0.5);
        msg_end(g);
        send(g, HL_SAMPLE_EV_REOPENED, t);
        p->flags |= F_REOPENED;
        if (hl_rng_chance(r, 0.95))
            schedule_resolve(g, p, t, 2.0);
        break;
    default: { /* ST_REVIEW */
        int unhappy = (p->flags & (F_LATE | F_REOPENED)) != 0;
        double x = hl_rng_unit(r);
        const char *sat = unhappy ? (x < 0.45 ? "满意" : x < 0.70 ? "基本满意" : "不满意")
                                  : (x < 0.72 ? "满意" : x < 0.92 ? "基本满意" : "不满意");
        msg_begin(g, "reviewed", t);
        json_field(g, &g->msg, "satisfaction", sat, 0);
        maybe_note(g, notes_review, N_(notes_review), 0.1);
        msg_end(g);
        send(g, HL_SAMPLE_EV_REVIEWED, t);
        p->reviews++;
        if (p->reviews == 1 && hl_rng_chance(r, 0.04))
            schedule(g, p, ST_REVIEW, t + DAY + (int64_t)(hl_rng_unit(r) * 6 * DAY), t);
        break;
    }
    }
}

/* Emits every scheduled event up to and including time @p until. */
static void drain(gen_t *g, int64_t until) {
    pend_t p;
    while (!g->done && g->heap.n > 0 && g->heap.v[0].when <= until) {
        heap_pop(&g->heap, &p);
        run_pending(g, &p);
    }
}

/* ---- hotspots ------------------------------------------------------------- */

/* Things a supervisor would notice: extra tickets of one topic (and district)
 * over a window, relative to an average weekday's volume. */
typedef struct hotspot_s {
    int topic;       /* taxonomy index */
    const char *tag; /* template tag */
    int district;    /* HL_SD_* or -1 */
} hotspot_t;

static const hotspot_t hotspots[] = {
    {9, "outage", HL_SD_DY},    /* 丹阳 power cuts in the July heat */
    {8, "year_end", -1},        /* arrears before Spring Festival */
    {11, "wage", -1},           /* unpaid wages before Spring Festival */
    {12, NULL, HL_SD_XQ},       /* 新区 approvals rising through Q3 */
    {17, "blanket", HL_SD_JR},  /* 句容 blanket shutdowns, May-June */
};
#define N_HOT N_(hotspots)

static void hotspot_extra(int64_t day, double *e) {
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int64_t jul1 = days_from_civil(y, 7, 1);
    int64_t x = day - jul1;
    for (size_t i = 0; i < N_HOT; i++)
        e[i] = 0;
    /* 丹阳 outages: July to mid-August, peaking around July 20 */
    if (x >= 0 && x < 46)
        {
        double dx = (double)x - 19.0;
        e[0] = 0.16 * (1.0 - (dx < 0 ? -dx : dx) / 27.0);
    }
    /* the four weeks before Spring Festival, rising */
    int64_t sf = sf_day(y);
    if (day >= sf - 30 && day < sf - 1) {
        double k = (double)(day - (sf - 30)) / 29.0;
        e[1] = 0.10 + 0.30 * k;
        e[2] = 0.04 + 0.12 * k;
    }
    /* 新区 approvals: Q3, linearly up */
    if (m >= 7 && m <= 9)
        e[3] = 0.02 + 0.08 * (double)x / 92.0;
    /* 句容 environmental shutdowns */
    int64_t may10 = days_from_civil(y, 5, 10), jun20 = days_from_civil(y, 6, 20);
    if (day >= may10 && day <= jun20)
        e[4] = 0.07;
}

static double day_weight(int64_t day, double *e) {
    double f = day_factor(day), w = f;
    hotspot_extra(day, e);
    for (size_t i = 0; i < N_HOT; i++) {
        e[i] *= f;
        w += e[i];
    }
    return w;
}

/* ---- ticket creation ------------------------------------------------------ */

static const double hour_weekday[24] = {
    0.15, 0.1, 0.06, 0.05, 0.05, 0.1, 0.3, 0.8, 2.6, 4.2, 4.3, 3.4,
    1.8, 2.6, 4.0, 4.1, 3.6, 2.2, 1.3, 1.1, 1.1, 0.9, 0.6, 0.3};
static const double hour_rest[24] = {
    0.3, 0.2, 0.1, 0.08, 0.08, 0.15, 0.3, 0.7, 1.5, 2.4, 2.8, 2.5,
    1.9, 2.0, 2.4, 2.4, 2.2, 1.8, 1.6, 1.7, 1.8, 1.5, 1.0, 0.6};

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t sample_second(hl_rng_t *r, const double *hw) {
    double total = 0;
    for (int h = 0; h < 24; h++)
        total += hw[h];
    double x = hl_rng_unit(r) * total;
    int h = 0;
    while (h < 23 && x >= hw[h])
        x -= hw[h++];
    return (uint32_t)h * 3600 + hl_rng_below(r, 3600);
}

static int pick_district(hl_rng_t *r) {
    int total = 0;
    for (int i = 0; i < HL_SD_COUNT; i++)
        total += dists[i].weight;
    int x = (int)hl_rng_below(r, (uint32_t)total);
    for (int i = 0; i < HL_SD_COUNT; i++) {
        x -= dists[i].weight;
        if (x < 0)
            return i;
    }
    return 0;
}

static const char *district_text(hl_rng_t *r, int d, int trad) {
    const dist_t *ds = &dists[d];
    if (trad && ds->trad[0] && hl_rng_chance(r, 0.75))
        return ds->trad[0];
    uint32_t x = hl_rng_below(r, 100);
    if (x < 62)
        return ds->name;
    if (x < 90)
        return ds->alias[0];
    if (x < 97) {
        int n = 0;
        while (n < 4 && ds->alias[n])
            n++;
        return ds->alias[hl_rng_below(r, (uint32_t)n)];
    }
    return ds->trad[0] ? ds->trad[0] : ds->name;
}

static const char *appeal_type(hl_rng_t *r, int kind) {
    uint32_t x = hl_rng_below(r, 100);
    switch (kind) {
    case HL_KIND_INQUIRY: return x < 80 ? "咨询" : "求助";
    case HL_KIND_SUGGESTION: return x < 90 ? "建议" : "投诉";
    case HL_KIND_PRAISE: return "表扬";
    case HL_KIND_REPORT: return x < 75 ? "举报" : "投诉";
    case HL_KIND_HELP: return x < 75 ? "求助" : "投诉";
    default: return x < 85 ? "投诉" : x < 89 ? "举报" : x < 97 ? "求助" : "咨询";
    }
}

static void credit_code(hl_rng_t *r, const char *region, char out[19]) {
    static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY"; /* 31 */
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8,
                              24, 10, 30, 28};
    memcpy(out, "91", 2);
    memcpy(out + 2, region, 6);
    out[8] = 'M';
    out[9] = 'A';
    for (int i = 10; i < 17; i++)
        out[i] = alpha[hl_rng_below(r, 31)];
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(alpha, out[i]) - alpha) * w[i];
    out[17] = alpha[(31 - sum % 31) % 31];
    out[18] = '\0';
}

static void put_phone(hl_rng_t *r, hl_sbuf_t *b) {
    static const char *const pre[] = {"139", "138", "137", "136", "135", "150",
                                      "151", "152", "158", "159", "180", "181",
                                      "182", "183", "187", "188", "189", "130",
                                      "131", "133", "177", "199"};
    uint32_t x = hl_rng_below(r, 100);
    if (x < 15) {
        hl_sbuf_puts(b, "0511-8xxx");
        hl_sbuf_putu(b, hl_rng_below(r, 10000), 4);
        return;
    }
    hl_sbuf_puts(b, PICK(r, pre));
    if (x < 75) {
        hl_sbuf_puts(b, "xxxx");
        hl_sbuf_putu(b, hl_rng_below(r, 10000), 4);
    } else {
        hl_sbuf_putu(b, hl_rng_below(r, 100000000), 8);
    }
}

static const char *pick_channel(hl_rng_t *r) {
    if (hl_rng_chance(r, 0.01))
        return PICK(r, odd_channels);
    int x = (int)hl_rng_below(r, 980);
    for (size_t i = 0; i < N_(channels); i++) {
        x -= channel_w[i];
        if (x < 0)
            return channels[i];
    }
    return "phone";
}

/* The noise of one ticket's text (HL_TXT_*). */
static unsigned pick_noise(hl_rng_t *r, const char *channel) {
    unsigned flags = 0;
    if (hl_rng_chance(r, 0.05)) {
        flags |= HL_TXT_TRADITIONAL;
        if (hl_rng_chance(r, 0.2))
            flags |= HL_TXT_PINYIN;
    }
    if (hl_rng_chance(r, 0.04))
        flags |= HL_TXT_FULLWIDTH;
    if (hl_rng_chance(r, 0.03))
        flags |= HL_TXT_HALFPUNCT;
    if (hl_rng_chance(r, 0.06))
        flags |= HL_TXT_TYPO;
    if ((strcmp(channel, "letter") == 0 || strcmp(channel, "email") == 0) &&
        hl_rng_chance(r, 0.35))
        flags |= HL_TXT_PARAGRAPHS;
    return flags;
}

/* Writes `,"enterprise":{...}` for a company in district @p d. */
static void put_enterprise(gen_t *g, int d, unsigned flags) {
    hl_rng_t *r = &g->r;
    hl_sbuf_t *s = &g->scratch, *b = &g->msg;
    static const char *const forms[] = {"有限公司", "有限公司", "科技有限公司",
                                        "股份有限公司", "有限责任公司", "厂"};
    s->len = 0;
    hl_sbuf_puts(s, dists[d].city);
    hl_sbuf_puts(s, hl_rng_chance(r, 0.7) ? "某" : PICK(r, brands));
    hl_sbuf_puts(s, hl_sample_text_industry(r));
    hl_sbuf_puts(s, PICK(r, forms));
    if (flags & HL_TXT_TRADITIONAL)
        hl_sample_text_noise(r, s, 0, HL_TXT_TRADITIONAL);
    char cc[19];
    credit_code(r, dists[d].region, cc);
    json_key(g, b, "enterprise", 0);
    json_key(g, b, "name", 1);
    json_str_n(g, b, s->p, s->len);
    json_field(g, b, "credit_code", cc, 0);
    hl_sbuf_putc(b, '}');
}

/* Writes `,"caller":{...}` with a fake name and phone. */
static void put_caller(gen_t *g) {
    hl_rng_t *r = &g->r;
    hl_sbuf_t *s = &g->scratch, *b = &g->msg;
    s->len = 0;
    hl_sbuf_puts(s, PICK(r, surnames));
    hl_sbuf_puts(s, PICK(r, honorifics));
    json_key(g, b, "caller", 0);
    json_key(g, b, "name", 1);
    json_str_n(g, b, s->p, s->len);
    s->len = 0;
    put_phone(r, s);
    json_key(g, b, "phone", 0);
    json_str_n(g, b, s->p, s->len);
    hl_sbuf_putc(b, '}');
}

/* Schedules what follows a ticket's creation: dispatch (most), a direct
 * answer by the hotline, or nothing (stays open). */
static void schedule_first(gen_t *g, pend_t *p, int64_t day, int64_t tc) {
    hl_rng_t *r = &g->r;
    double pd = (p->flags & F_INQUIRY) ? 0.85 : 0.955;
    if (hl_rng_chance(r, pd)) {
        int64_t s = sec_of(tc), t;
        if (workday(day) && s >= WORK_START && s < 17 * 3600) {
            t = tc + (int64_t)(lognormal(r, 40 * 60, 0.9));
            if (t - tc < 180)
                t = tc + 180;
            if (t - tc > 5 * 3600)
                t = tc + 5 * 3600;
            if (sec_of(t) >= WORK_END || day_of(t) != day)
                t = at(next_workday(day), WORK_START + hl_rng_range(r, 0, 90 * 60));
        } else {
            t = into_work(r, tc + 1);
        }
        schedule(g, p, ST_DISPATCH, t, tc);
    } else if (hl_rng_chance(r, 0.6)) {
        /* answered directly by the hotline (政策咨询 etc.) */
        schedule(g, p, ST_RESOLVE, tc + hl_rng_range(r, 600, 6 * 3600), tc);
    }
}

static void create_ticket(gen_t *g, int64_t day, uint32_t seq, int64_t tc,
                          int hot) {
    hl_rng_t *r = &g->r;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    make_id(g, day, seq);

    /* what the ticket is about */
    hl_text_req_t req;
    memset(&req, 0, sizeof(req));
    int district = -1;
    if (hot >= 0) {
        req.topic = hotspots[hot].topic;
        req.tag = hotspots[hot].tag;
        district = hotspots[hot].district;
        g->st.hotspot++;
    } else {
        req.topic = hl_sample_text_topic(r);
    }
    if (district < 0)
        district = pick_district(r);
    int odd = hl_rng_chance(r, 0.01);
    int64_t sf = sf_day(y);
    req.new_year = day >= sf - 30 && day < sf;
    req.district = odd && hl_rng_chance(r, 0.5) ? -1 : district;
    req.year = y;
    req.month = m;
    req.content_bytes = g->opts->content_bytes;

    const char *channel = pick_channel(r);
    req.channel_phone = strcmp(channel, "phone") == 0;

    unsigned flags = pick_noise(r, channel);
    if (flags & HL_TXT_TRADITIONAL)
        g->st.traditional++;
    req.flags = flags;

    g->title.len = 0;
    g->content.len = 0;
    hl_text_out_t tout;
    hl_sample_text_make(r, &req, &g->title, &g->content, &tout);
    g->st.topics[req.topic]++;

    /* the message */
    msg_begin(g, "created", tc);
    hl_sbuf_t *b = &g->msg;
    json_field(g, b, "channel", channel, 0);
    json_field(g, b, "appeal_type", appeal_type(r, tout.kind), 0);
    json_field(g, b, "district",
               odd ? PICK(r, odd_districts)
                   : district_text(r, district, (flags & HL_TXT_TRADITIONAL) != 0),
               0);
    if (hl_rng_chance(r, 0.2)) {
        int pd = hl_rng_chance(r, 0.9) ? district : (int)hl_rng_below(r, HL_SD_COUNT);
        int n = 0;
        while (n < 4 && parks[pd][n])
            n++;
        json_field(g, b, "park", parks[pd][hl_rng_below(r, (uint32_t)n)], 0);
    }
    if (g->title.len && hl_rng_chance(r, 0.52)) {
        json_key(g, b, "title", 0);
        json_str_n(g, b, g->title.p, g->title.len);
    }
    json_key(g, b, "content", 0);
    json_str_n(g, b, g->content.p, g->content.len);
    int is_company = tout.kind != HL_KIND_PRAISE && req.topic != 24;
    if (is_company && hl_rng_chance(r, 0.33))
        put_enterprise(g, district, flags);
    if (hl_rng_chance(r, 0.4))
        put_caller(g);
    int64_t due = 0;
    if (hl_rng_chance(r, 0.7)) {
        static const int wds[] = {5, 5, 5, 5, 5, 5, 5, 3, 7, 10, 10, 15};
        int64_t dd = add_workdays(day, PICK(r, wds));
        uint32_t x = hl_rng_below(r, 10);
        due = at(dd, x < 5 ? 17 * 3600 : x < 9 ? 17 * 3600 + 1800 : 18 * 3600);
        json_ts(g, b, "due_at", due, hl_rng_chance(r, 0.97) ? 480 : INT32_MIN);
    }
    if (g->opts->label) { /* after every random draw: labels change nothing else */
        json_key(g, b, "expected", 0);
        hl_sbuf_puts(b, "{\"topic\":\"");
        hl_sbuf_puts(b, hl_sample_topic_code(req.topic));
        hl_sbuf_puts(b, "\",\"department\":\"");
        hl_sbuf_puts(b, tout.dept);
        hl_sbuf_puts(b, "\"}");
    }
    msg_end(g);
    g->st.tickets++;
    send(g, HL_SAMPLE_EV_CREATED, tc);
    if (g->done)
        return;

    /* what happens next */
    pend_t p;
    memset(&p, 0, sizeof(p));
    p.due = due;
    p.created = tc;
    p.day = (int32_t)day;
    p.seq = seq;
    p.topic = (uint8_t)req.topic;
    p.right = (uint8_t)dept_index(tout.dept, strlen(tout.dept));
    p.dept = p.right;
    p.alt = tout.alt_depts;
    if (tout.kind == HL_KIND_INQUIRY)
        p.flags |= F_INQUIRY;
    schedule_first(g, &p, day, tc);
}

/* ---- the run -------------------------------------------------------------- */

static int check_opts(const hl_sample_opts_t *o, char *errstr, size_t n) {
    const char *why = NULL;
    if (o->start_year < 1971 || o->start_year > 9000)
        why = "start_year must be in 1971..9000";
    else if (o->days < 1 || o->days > 36600)
        why = "days must be in 1..36600";
    else if (!(o->duplicate_rate >= 0 && o->duplicate_rate <= 1))
        why = "duplicate_rate must be in [0, 1]";
    else if (!(o->invalid_rate >= 0 && o->invalid_rate <= 1))
        why = "invalid_rate must be in [0, 1]";
    else if (o->content_bytes > 60000)
        why = "content_bytes must be at most 60000 (content is up to 64 KiB)";
    else if (o->tickets > 500000000ULL)
        why = "tickets must be at most 500000000";
    if (why && errstr && n)
        snprintf(errstr, n, "%s", why);
    return why ? -1 : 0;
}

int hl_sample_generate_ex(const hl_sample_opts_t *opts, hl_sample_emit_fn emit,
                          void *opaque, hl_sample_stats_t *stats, char *errstr,
                          size_t errstr_size) {
    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (stats)
        memset(stats, 0, sizeof(*stats));
    if (!opts || !emit) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "opts and emit are required");
        return -1;
    }
    if (check_opts(opts, errstr, errstr_size) != 0)
        return -1;

    gen_t *g = calloc(1, sizeof(*g));
    if (!g) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    g->opts = opts;
    g->emit = emit;
    g->opaque = opaque;
    hl_rng_seed(&g->r, opts->seed ^ 0x68746c2d73616d70ULL /* "htl-samp" */);

    int64_t d0 = days_from_civil(opts->start_year, 1, 1);
    int ndays = opts->days;
    double e[N_HOT];
    double total = 0;
    for (int i = 0; i < ndays; i++)
        total += day_weight(d0 + i, e);

    uint32_t *secs = NULL;
    size_t secs_cap = 0;
    double cum = 0;
    uint64_t made = 0;
    for (int i = 0; i < ndays && !g->done; i++) {
        int64_t day = d0 + i;
        double w = day_weight(day, e);
        cum += w;
        uint64_t upto = i == ndays - 1
                            ? opts->tickets
                            : (uint64_t)((double)opts->tickets * (cum / total) + 0.5);
        if (upto > opts->tickets)
            upto = opts->tickets;
        uint64_t n = upto > made ? upto - made : 0;
        made += n;
        if (n > secs_cap) {
            uint32_t *v = realloc(secs, n * sizeof(*v));
            if (!v) {
                g->oom = 1;
                break;
            }
            secs = v;
            secs_cap = n;
        }
        const double *hw = workday(day) ? hour_weekday : hour_rest;
        for (uint64_t k = 0; k < n; k++)
            secs[k] = sample_second(&g->r, hw);
        if (n > 1)
            qsort(secs, n, sizeof(*secs), cmp_u32);
        g->cur_day = day;
        for (uint64_t k = 0; k < n && !g->done; k++) {
            int64_t tc = at(day, secs[k]);
            drain(g, tc);
            if (g->done)
                break;
            /* hotspot ticket? */
            int hot = -1;
            double x = hl_rng_unit(&g->r) * w;
            for (size_t h = 0; h < N_HOT; h++) {
                if (x < e[h]) {
                    hot = (int)h;
                    break;
                }
                x -= e[h];
            }
            create_ticket(g, day, (uint32_t)(k + 1), tc, hot);
        }
    }
    if (!g->done)
        drain(g, INT64_MAX);

    int rc = g->rc;
    if (g->oom) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "out of memory");
        rc = -1;
    }
    if (stats)
        *stats = g->st;
    free(secs);
    free(g->heap.v);
    hl_sbuf_free(&g->msg);
    hl_sbuf_free(&g->title);
    hl_sbuf_free(&g->content);
    hl_sbuf_free(&g->scratch);
    hl_sbuf_free(&g->bad);
    free(g);
    return rc;
}

int hl_sample_generate(const hl_sample_opts_t *opts, hl_sample_emit_fn emit,
                       void *opaque, char *errstr, size_t errstr_size) {
    return hl_sample_generate_ex(opts, emit, opaque, NULL, errstr, errstr_size);
}
