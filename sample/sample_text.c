/* sample_text.c: builds a ticket's title and content from the templates of
 * sample_tpl.c (expansion of alternatives and slots, assembly of sentences to
 * a target length) and applies the noise real tickets carry: traditional
 * characters, pinyin annotations, full-width digits, half-width punctuation
 * and common miswritings. */
#include "sample/sample_int.h"
#include "sample/sample_tpl.h"

#include <stdlib.h>

#define N_(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[hl_rng_below((r), (uint32_t)N_(a))])

/* ---- word lists for slots ----------------------------------------------- */

static const char *const dist_short[HL_SD_COUNT] = {
    "京口", "润州", "丹徒", "丹阳", "句容", "扬中", "新区", "高新区"};

static const char *const town_jk[] = {"谏壁街道", "象山街道", "丁卯街道", "大市口", "正东路街道", "四牌楼街道", "健康路街道"};
static const char *const town_rz[] = {"官塘桥街道", "蒋乔街道", "金山街道", "和平路街道", "七里甸街道", "南山街道"};
static const char *const town_dt[] = {"高资街道", "宝堰镇", "上党镇", "辛丰镇", "谷阳镇", "荣炳", "世业镇", "高桥镇"};
static const char *const town_dy[] = {"云阳街道", "司徒镇", "陵口镇", "吕城镇", "珥陵镇", "导墅镇", "皇塘镇", "访仙镇", "界牌镇", "延陵镇", "后巷"};
static const char *const town_jr[] = {"华阳街道", "宝华镇", "下蜀镇", "郭庄镇", "茅山镇", "边城镇", "天王镇", "后白镇", "白兔镇"};
static const char *const town_yz[] = {"三茅街道", "新坝镇", "油坊镇", "八桥镇", "西来桥镇", "兴隆街道"};
static const char *const town_xq[] = {"大港", "丁岗镇", "大路镇", "姚桥镇", "丁卯", "港南路一带"};
static const char *const town_gx[] = {"蒋乔", "南徐", "官塘", "新民洲", "四摆渡"};
static const struct {
    const char *const *v;
    size_t n;
} towns[HL_SD_COUNT] = {
    {town_jk, N_(town_jk)}, {town_rz, N_(town_rz)}, {town_dt, N_(town_dt)},
    {town_dy, N_(town_dy)}, {town_jr, N_(town_jr)}, {town_yz, N_(town_yz)},
    {town_xq, N_(town_xq)}, {town_gx, N_(town_gx)}};

static const char *const industries[] = {
    "精密机械", "电气设备", "新材料", "食品", "眼镜", "汽车零部件", "化工",
    "光电", "船舶配件", "纺织", "包装印刷", "电子元件", "医疗器械", "建材",
    "物流", "五金工具", "智能装备", "环保设备", "服装", "木业"};

static const char *const debtors[] = {
    "某镇政府", "某街道办事处", "区里一家国有平台公司", "某城投公司",
    "开发区管委会下属的公司", "一家大型国企", "某学校", "某医院",
    "市里一家上市公司", "某房地产开发公司", "某村委会", "一家央企的项目部",
    "某园区的投资公司", "一家总包单位"};

static const char *const projects[] = {
    "道路改造工程", "污水管网工程", "安置房项目", "学校装修工程",
    "绿化养护项目", "亮化工程", "智慧社区项目", "河道整治工程",
    "厂房钢结构工程", "办公楼弱电工程", "农房改造项目", "老旧小区改造工程",
    "食堂改造工程", "监控安装项目"};

static const char *const officials[] = {
    "王科长", "李主任", "一位姓张的工作人员", "窗口的小刘", "经办人",
    "分管的副主任", "陈股长", "一个姓周的科员"};

static const char *const bodies[] = {
    "有关部门", "主管部门", "区里", "街道", "管委会", "相关科室", "镇里"};

static const char *const selves[] = {
    "我公司", "我们公司", "我们厂", "本公司", "我们企业", "我们"};

static const char *const hours_w[] = {
    "两个小时", "大半天", "四五个小时", "一整天", "三个多小时", "一上午"};

static const char *const areas[] = {
    "30亩", "5000多平方米", "12亩", "两万平米", "四十多亩", "8000平方米",
    "六十亩"};

static const char *const zh_digit[] = {
    "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

/* ---- the expander -------------------------------------------------------- */

typedef struct ctx_s {
    hl_rng_t *r;
    const hl_text_req_t *req;
    hl_sbuf_t *out;
    int depth;
} ctx_t;

static void expand(ctx_t *c, const char *s, const char *e);
static const char *expand_choice(ctx_t *c, const char *s, const char *e);

static void expand_str(ctx_t *c, const char *s) {
    expand(c, s, s + strlen(s));
}

static void put_small(ctx_t *c, int n, int zh) {
    if (zh && n >= 1 && n <= 10) {
        hl_sbuf_puts(c->out, n == 2 && hl_rng_chance(c->r, 0.5) ? "两" : zh_digit[n]);
        return;
    }
    hl_sbuf_putu(c->out, (uint64_t)n, 1);
}

static void slot_big_amount(ctx_t *c) {
    hl_rng_t *r = c->r;
    uint32_t form = hl_rng_below(r, 20);
    if (form < 9) {
        int v = hl_rng_range(r, 8, 480);
        if (v > 100)
            v = v / 5 * 5;
        hl_sbuf_putu(c->out, (uint64_t)v, 1);
        expand_str(c, "[万元|万|多万|万余元|万元|万]");
    } else if (form < 13) {
        hl_sbuf_putu(c->out, (uint64_t)hl_rng_range(r, 5, 260), 1);
        hl_sbuf_putc(c->out, '.');
        hl_sbuf_putu(c->out, (uint64_t)hl_rng_range(r, 1, 9), 1);
        hl_sbuf_puts(c->out, "万元");
    } else {
        expand_str(c, "[二十多万|三十来万|五六十万|一百多万|两百多万|三百来万|"
                      "八十多万|四十几万|一百二十多万|近千万|七十多万][?元]");
    }
}

static void slot_small_amount(ctx_t *c) {
    hl_rng_t *r = c->r;
    if (hl_rng_chance(r, 0.6)) {
        int v = hl_rng_range(r, 8, 500) * 100;
        hl_sbuf_putu(c->out, (uint64_t)v, 1);
        expand_str(c, "[元|元|块|块钱]");
    } else {
        expand_str(c, "[三千多块|八千多元|一万多|两万块钱|五千元|一万二|"
                      "三四万|六千来块|两三千块|四万多元]");
    }
}

static void slot_year(ctx_t *c) {
    hl_rng_t *r = c->r;
    uint32_t f = hl_rng_below(r, 6);
    if (f < 3 && c->req->year > 1975) {
        hl_sbuf_putu(c->out, (uint64_t)(c->req->year - 1 - (int)f), 1);
        hl_sbuf_puts(c->out, "年");
    } else {
        expand_str(c, "[去年|前年|去年|大前年]");
    }
}

static void slot_when(ctx_t *c) {
    hl_rng_t *r = c->r;
    int m = c->req->month;
    uint32_t f = hl_rng_below(r, 5);
    if (f == 0 && m > 2) {
        hl_sbuf_puts(c->out, "今年");
        put_small(c, hl_rng_range(r, 1, m - 1), 0);
        hl_sbuf_puts(c->out, "月");
    } else if (f == 1) {
        hl_sbuf_puts(c->out, "去年");
        put_small(c, hl_rng_range(r, 1, 12), 0);
        hl_sbuf_puts(c->out, "月");
    } else if (f == 2 && c->req->year > 1975) {
        hl_sbuf_putu(c->out, (uint64_t)(c->req->year - 1), 1);
        hl_sbuf_puts(c->out, "年");
        put_small(c, hl_rng_range(r, 1, 12), 0);
        hl_sbuf_puts(c->out, "月");
    } else {
        expand_str(c, "[上个月|年初|去年年底|前几个月|上半年]");
    }
}

static void slot(ctx_t *c, char k) {
    hl_rng_t *r = c->r;
    int d = c->req->district;
    switch (k) {
    case 'A': slot_big_amount(c); break;
    case 'a': slot_small_amount(c); break;
    case 'M':
        if (hl_rng_chance(r, 0.3)) {
            put_small(c, hl_rng_range(r, 2, 11), 0);
            expand_str(c, "个[?多]月");
        } else {
            expand_str(c, "[两个多月|三个多月|半年多|半年|四个月|五个多月|"
                          "快一年|一年多|两年|七八个月]");
        }
        break;
    case 'D':
        expand_str(c, "[十几天|20多天|一个多星期|45天|半个月|二十来天|"
                      "一个多月|30多个工作日|快二十天]");
        break;
    case 'T':
        expand_str(c, "[五六趟|7趟|十几次|三四回|好几趟|不下十次|八趟|"
                      "六七次]");
        break;
    case 'N': put_small(c, hl_rng_range(r, 2, 9), hl_rng_chance(r, 0.55)); break;
    case 'E':
        if (hl_rng_chance(r, 0.3)) {
            hl_sbuf_putu(c->out, (uint64_t)hl_rng_range(r, 12, 260), 1);
            expand_str(c, "[名员工|个工人|名职工|人]");
        } else {
            expand_str(c, "[80多名员工|两百多号人|三十来个工人|一百多名职工|"
                          "五十多个工人|十几个人]");
        }
        break;
    case 'W': slot_when(c); break;
    case 'Y': slot_year(c); break;
    case 'P':
        if (d >= 0 && d < HL_SD_COUNT && hl_rng_chance(r, 0.85))
            hl_sbuf_puts(c->out, towns[d].v[hl_rng_below(r, (uint32_t)towns[d].n)]);
        else
            expand_str(c, "[某镇|某街道|我们这边|这一片]");
        break;
    case 'C':
        if (d >= 0 && d < HL_SD_COUNT)
            hl_sbuf_puts(c->out, dist_short[d]);
        else
            expand_str(c, "[镇江|我们这里|本地]");
        break;
    case 'I': hl_sbuf_puts(c->out, PICK(r, industries)); break;
    case 'B': hl_sbuf_puts(c->out, PICK(r, debtors)); break;
    case 'J': hl_sbuf_puts(c->out, PICK(r, projects)); break;
    case 'K':
        expand_str(c, "[10%|5%|30%|20%|15%|百分之三十|百分之十|3%]");
        break;
    case 'R': hl_sbuf_puts(c->out, PICK(r, officials)); break;
    case 'S': hl_sbuf_puts(c->out, PICK(r, areas)); break;
    case 'G': hl_sbuf_puts(c->out, PICK(r, bodies)); break;
    case 'Q': hl_sbuf_puts(c->out, PICK(r, selves)); break;
    case 'H': hl_sbuf_puts(c->out, PICK(r, hours_w)); break;
    default: break;
    }
}

/* Expands the choice whose text starts at @p s (just after '['), and returns
 * the position just after its closing ']'. One scan finds both the end and
 * the top-level alternatives. */
static const char *expand_choice(ctx_t *c, const char *s, const char *e) {
    const char *cut[65];
    int n = 0, depth = 0;
    const char *q = s;
    cut[n++] = s;
    for (; q < e; q++) {
        char ch = *q;
        if (ch == '[') {
            depth++;
        } else if (ch == ']') {
            if (depth == 0)
                break;
            depth--;
        } else if (ch == '|' && depth == 0 && n < 64) {
            cut[n++] = q + 1;
        }
    }
    const char *close = q;
    if (*s == '?' && n == 1) {
        if (hl_rng_chance(c->r, 0.5))
            expand(c, s + 1, close);
    } else {
        int k = (int)hl_rng_below(c->r, (uint32_t)n);
        const char *end = k + 1 < n ? cut[k + 1] - 1 : close;
        expand(c, cut[k], end);
    }
    return close < e ? close + 1 : e;
}

static void expand(ctx_t *c, const char *s, const char *e) {
    if (++c->depth > 16) { /* templates are shallow; guard anyway */
        c->depth--;
        return;
    }
    while (s < e) {
        const char *q = s;
        while (q < e && *q != '[' && *q != '{')
            q++;
        if (q > s)
            hl_sbuf_put(c->out, s, (size_t)(q - s));
        if (q >= e)
            break;
        if (*q == '{') {
            if (q + 2 < e && q[2] == '}')
                slot(c, q[1]);
            s = q + 3;
            continue;
        }
        s = expand_choice(c, q + 1, e);
    }
    c->depth--;
}

/* ---- assembly ------------------------------------------------------------- */

static const char *const prefix_phone[] = {
    "来电人反映：", "市民来电反映：", "企业来电反映：", "来电人称：",
    "来电反映，", "企业负责人来电："};
static const char *const prefix_text[] = {
    "您好，", "你好，", "尊敬的领导：", "领导好！", "市长您好！",
    "你好！", "您好！我想反映一个问题。"};
static const char *const intros[] = {
    "我是{C}一家{I}企业的[负责人|财务|办公室主任|老板]，",
    "[我们|本公司]是{C}的一家{I}企业，[有{E}|成立{N}年了|做了十几年了]。",
    "我们是[做{I}的|一家小微企业|{P}的一家厂]，",
};

/* Sentences that fit most complaints; used to pad to a target length. */
static const char *const generic[] = {
    "这件事已经拖了[很久|{M}]，我们也是实在没办法才打[12345|市民热线]。",
    "[企业规模小|我们是小本经营]，经不起这样折腾。",
    "我们不是无理取闹，只是想要一个[说法|明确的答复]。",
    "[如果需要|需要的话]，我们可以提供[相关的合同和聊天记录|所有的书面材料]。",
    "[前后|这段时间]找了{N}个部门，每个部门都说[不归他们管|要请示领导]。",
    "[公司|厂里]还有{E}要养活，[每个月光工资就|光工资每月就]{A}。",
    "[我们|企业]也理解[政府的难处|部门工作忙]，但总得有个时间表。",
    "[之前|上个月]也[打过12345|在网上留过言]，[回复说已转交|说已经转到相关部门]，后来就没消息了。",
    "[老板|我们领导]为这事[急得睡不着|天天催我]，我也是夹在中间很为难。",
    "[同行|身边的企业]听说了这件事，都[说这边的营商环境不行|不敢来投资了]。",
    "[说实话|老实讲]，要不是[逼得没办法|实在拖不起]，谁愿意[到处反映|得罪人]。",
    "[我们|企业]愿意[配合|按要求整改]，[只求|就希望][把事情办了|别再拖了]。",
    "[相关的证明|电话录音|短信记录]我们都留着。",
    "[这里|此事]涉及的[金额|损失]对我们这样的企业[不是小数|影响很大]。",
    "[今年|这两年]生意本来就不好做，[订单少了一半|利润很薄]。",
    "[我们查了|网上也查了][相关规定|政策文件]，[应该是可以办的|没有说不行]。",
};
static const char *const closers[] = {
    "希望有关部门尽快处理，给企业一个答复。",
    "请帮忙协调解决，谢谢！",
    "恳请领导重视！",
    "[麻烦|请][尽快|早日][回复|处理]，[谢谢|感谢]。",
    "这件事[拖不起了|不能再拖了]！！",
    "请给个说法。",
    "[盼复|望回复]。",
    "[希望|请]12345帮忙督办一下。",
    "[谢谢|感谢]！",
    "[请相关部门调查处理|请有关部门核实]。",
};
static const char *const new_year[] = {
    "[马上就要过年了|眼看就到年关了]，[工人们等着拿钱回家|几十号人等着发工资]，[我们实在是等不起了|这个年不知道怎么过]。",
    "[年底|春节前]供应商[都来催款|天天上门要钱]，[我们|企业]夹在中间[两头为难|实在顶不住]。",
};

typedef struct pool_s {
    const char *const *v;
    size_t n;
    uint64_t used; /* bit per entry (first 64) */
} pool_t;

/* Picks an unused entry of @p p, or any when all were used. */
static const char *pool_pick(hl_rng_t *r, pool_t *p) {
    if (p->n == 0)
        return NULL;
    size_t lim = p->n < 64 ? p->n : 64;
    uint32_t i = hl_rng_below(r, (uint32_t)p->n);
    for (size_t k = 0; k < lim && i < 64 && (p->used >> i) & 1; k++)
        i = (uint32_t)((i + 1) % lim);
    if (i < 64)
        p->used |= 1ULL << i;
    return p->v[i];
}

static void sentence_sep(ctx_t *c) {
    if ((c->req->flags & HL_TXT_PARAGRAPHS) && hl_rng_chance(c->r, 0.5))
        hl_sbuf_putc(c->out, '\n');
}

int hl_sample_text_topic(hl_rng_t *r) {
    int total = 0;
    for (int i = 0; i < HL_TPL_TOPICS; i++)
        total += hl_sample_topics[i].weight;
    int x = (int)hl_rng_below(r, (uint32_t)total);
    for (int i = 0; i < HL_TPL_TOPICS; i++) {
        x -= hl_sample_topics[i].weight;
        if (x < 0)
            return i;
    }
    return HL_TPL_TOPICS - 1;
}

const char *hl_sample_text_topic_code(int i) {
    return i >= 0 && i < HL_TPL_TOPICS ? hl_sample_topics[i].code : NULL;
}

const char *hl_sample_text_industry(hl_rng_t *r) {
    return PICK(r, industries);
}

static const hl_tpl_t *pick_template(hl_rng_t *r, const hl_topic_tpl_t *tp,
                                     const char *tag) {
    if (tag) {
        size_t n = 0;
        for (size_t i = 0; i < tp->nt; i++)
            n += tp->t[i].tag && strcmp(tp->t[i].tag, tag) == 0;
        if (n) {
            size_t k = hl_rng_below(r, (uint32_t)n);
            for (size_t i = 0; i < tp->nt; i++)
                if (tp->t[i].tag && strcmp(tp->t[i].tag, tag) == 0 && k-- == 0)
                    return &tp->t[i];
        }
    }
    return &tp->t[hl_rng_below(r, (uint32_t)tp->nt)];
}

static int kind_of(char k) {
    switch (k) {
    case 'Q': return HL_KIND_INQUIRY;
    case 'S': return HL_KIND_SUGGESTION;
    case 'P': return HL_KIND_PRAISE;
    case 'R': return HL_KIND_REPORT;
    case 'H': return HL_KIND_HELP;
    default: return HL_KIND_COMPLAINT;
    }
}

void hl_sample_text_make(hl_rng_t *r, const hl_text_req_t *req,
                         hl_sbuf_t *title, hl_sbuf_t *content,
                         hl_text_out_t *out) {
    int ti = req->topic >= 0 && req->topic < HL_TPL_TOPICS ? req->topic
                                                           : HL_TPL_TOPICS - 1;
    const hl_topic_tpl_t *tp = &hl_sample_topics[ti];
    const hl_tpl_t *t = pick_template(r, tp, req->tag);
    ctx_t c = {r, req, title, 0};
    size_t t0 = title->len, c0 = content->len;

    out->kind = kind_of(t->kind);
    out->dept = t->dept ? t->dept : tp->dept;
    out->alt_depts = tp->alt;

    if (t->title)
        expand_str(&c, t->title);
    hl_sample_text_noise(r, title, t0, req->flags & ~(unsigned)HL_TXT_TYPO);

    c.out = content;
    /* opening */
    if (req->channel_phone && hl_rng_chance(r, 0.35))
        hl_sbuf_puts(content, PICK(r, prefix_phone));
    else if (!req->channel_phone && hl_rng_chance(r, 0.25))
        hl_sbuf_puts(content, PICK(r, prefix_text));
    if (out->kind != HL_KIND_PRAISE && ti != HL_TPL_TOPICS - 1 &&
        hl_rng_chance(r, 0.12))
        expand_str(&c, PICK(r, intros));

    expand_str(&c, t->body);

    pool_t details = {tp->d, tp->nd, 0};
    pool_t gen = {generic, N_(generic), 0};
    int money_topic = ti == 8 || ti == 11; /* arrears, labour: year-end rush */
    if (req->new_year && money_topic && !t->tag) {
        sentence_sep(&c);
        expand_str(&c, PICK(r, new_year));
    }

    size_t target = req->content_bytes;
    if (target == 0) {
        /* natural: like the dev set, mostly one body and a sentence or two */
        if (hl_rng_chance(r, 0.75)) {
            sentence_sep(&c);
            expand_str(&c, pool_pick(r, &details));
            if (details.n > 1 && hl_rng_chance(r, 0.35)) {
                sentence_sep(&c);
                expand_str(&c, pool_pick(r, &details));
            }
        }
        if (hl_rng_chance(r, 0.5)) {
            sentence_sep(&c);
            expand_str(&c, pool_pick(r, &gen));
        }
        if (hl_rng_chance(r, 0.45)) {
            sentence_sep(&c);
            expand_str(&c, PICK(r, closers));
        }
    } else {
        /* jitter the target by +-15% so lengths are not all equal */
        double j = 0.85 + 0.30 * hl_rng_unit(r);
        size_t want = (size_t)((double)target * j);
        size_t closer_len = 40, nd = 0, ng = 0;
        while (content->len - c0 + closer_len < want && !content->oom) {
            sentence_sep(&c);
            if (nd < details.n && hl_rng_chance(r, 0.5)) {
                expand_str(&c, pool_pick(r, &details));
                nd++;
            } else {
                expand_str(&c, pool_pick(r, &gen));
                if (++ng == gen.n) { /* very long targets: allow repeats */
                    gen.used = 0;
                    ng = 0;
                }
            }
        }
        sentence_sep(&c);
        expand_str(&c, PICK(r, closers));
    }
    hl_sample_text_noise(r, content, c0, req->flags);
}

/* ---- noise ------------------------------------------------------------- */

static const struct {
    const char *from, *to;
} typos[] = {
    {"贷款", "带款"}, {"登记", "登计"}, {"环保局", "环包局"}, {"近似", "进似"},
    {"吊销", "吊消"}, {"已经", "以经"}, {"部门", "部们"}, {"反映", "反应"},
    {"账", "帐"}, {"材料", "材科"}, {"申请", "申清"}, {"安装", "按装"},
    {"截止", "截至"}, {"重复", "从复"}, {"再等等", "在等等"}, {"办理", "办里"},
    {"工资", "工姿"}, {"的", "得"}, {"答复", "答付"},
};

/* Replaces @p oldlen bytes at @p pos with @p rep. */
static void splice(hl_sbuf_t *b, size_t pos, size_t oldlen, const char *rep) {
    size_t n = strlen(rep);
    if (n > oldlen && hl_sbuf_reserve(b, n - oldlen) != 0)
        return;
    memmove(b->p + pos + n, b->p + pos + oldlen, b->len - pos - oldlen);
    memcpy(b->p + pos, rep, n);
    b->len = b->len - oldlen + n;
}

static const char *find_bytes(const char *h, size_t hn, const char *n, size_t nn) {
    if (nn == 0 || hn < nn)
        return NULL;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
            return h + i;
    return NULL;
}

static void apply_typos(hl_rng_t *r, hl_sbuf_t *b, size_t from) {
    int want = hl_rng_chance(r, 0.3) ? 2 : 1;
    uint32_t start = hl_rng_below(r, (uint32_t)N_(typos));
    for (size_t k = 0; k < N_(typos) && want > 0; k++) {
        size_t i = (start + k) % N_(typos);
        size_t fl = strlen(typos[i].from);
        const char *at = find_bytes(b->p + from, b->len - from, typos[i].from, fl);
        if (!at)
            continue;
        splice(b, (size_t)(at - b->p), fl, typos[i].to);
        want--;
    }
}

static const hl_zh_t *zh_find(uint32_t cp) {
    size_t lo = 0, hi = hl_sample_zh_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (hl_sample_zh[mid].simp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < hl_sample_zh_count && hl_sample_zh[lo].simp == cp
               ? &hl_sample_zh[lo] : NULL;
}

static void put_cp(hl_sbuf_t *b, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    hl_sbuf_put(b, u, n);
}

/* Decodes one code point of well-formed UTF-8 (our own text). */
static uint32_t get_cp(const unsigned char *p, size_t left, size_t *n) {
    if (p[0] < 0x80 || left < 2) {
        *n = 1;
        return p[0];
    }
    if (p[0] < 0xE0) {
        *n = 2;
        return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    }
    if (p[0] < 0xF0 && left >= 3) {
        *n = 3;
        return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
               (p[2] & 0x3F);
    }
    if (left >= 4) {
        *n = 4;
        return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
               ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    }
    *n = 1;
    return p[0];
}

static uint32_t half_punct(uint32_t cp) {
    switch (cp) {
    case 0xFF0C: return ',';  /* ， */
    case 0x3002: return '.';  /* 。 */
    case 0xFF1F: return '?';  /* ？ */
    case 0xFF01: return '!';  /* ！ */
    case 0xFF1A: return ':';  /* ： */
    case 0xFF1B: return ';';  /* ； */
    case 0xFF08: return '(';  /* （ */
    case 0xFF09: return ')';  /* ） */
    default: return 0;
    }
}

void hl_sample_text_noise(hl_rng_t *r, hl_sbuf_t *b, size_t from,
                          unsigned flags) {
    if (b->len <= from || b->oom)
        return;
    if (flags & HL_TXT_TYPO)
        apply_typos(r, b, from);
    unsigned conv = flags & (HL_TXT_TRADITIONAL | HL_TXT_PINYIN |
                             HL_TXT_FULLWIDTH | HL_TXT_HALFPUNCT);
    if (!conv)
        return;
    /* rewrite the tail into a scratch buffer, then copy it back */
    hl_sbuf_t tmp = {0};
    const unsigned char *p = (const unsigned char *)b->p + from;
    size_t left = b->len - from;
    while (left > 0) {
        size_t n;
        uint32_t cp = get_cp(p, left, &n);
        uint32_t o = cp;
        const hl_zh_t *z = NULL;
        if ((flags & HL_TXT_TRADITIONAL) && cp >= 0x3400 && cp < 0x10000 &&
            (z = zh_find(cp)) != NULL)
            o = z->trad;
        if ((flags & HL_TXT_FULLWIDTH) && cp < 0x80 &&
            ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') ||
             (cp >= 'a' && cp <= 'z') || cp == '%' || cp == '.'))
            o = cp + 0xFEE0;
        if ((flags & HL_TXT_HALFPUNCT) && half_punct(cp))
            o = half_punct(cp);
        put_cp(&tmp, o);
        if (z && (flags & HL_TXT_PINYIN) && z->py && z->trad != z->simp &&
            hl_rng_chance(r, 0.4)) {
            hl_sbuf_putc(&tmp, '(');
            hl_sbuf_puts(&tmp, z->py);
            hl_sbuf_putc(&tmp, ')');
        }
        p += n;
        left -= n;
    }
    if (tmp.oom) {
        b->oom = 1;
    } else {
        b->len = from;
        hl_sbuf_put(b, tmp.p, tmp.len);
    }
    hl_sbuf_free(&tmp);
}
