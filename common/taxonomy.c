/* taxonomy.c: constant tables copied from ../shared/spec/ (the TSV files). */
#include "common/taxonomy.h"

#include <string.h>

enum { POL, MKT, GOV, LAW, HUM, OTH };
enum {
    NDRC, APPROVAL, GOVSVC, SAMR, TAX, FINANCE, MIIT, COMMERCE, HRSS, NATRES,
    HOUSING, URBAN, ECOENV, EMERGENCY, FIRE, POLICE, JUSTICE, COURT, FINREG,
    EDUCATION, HEALTH, TRANSPORT, SCITECH, DISCIPLINE, POWER, WATER, GAS,
    LOCAL, HOTLINE
};

const hl_label_t hl_envs[HL_ENV_COUNT] = {
    {"POL", "政策环境"}, {"MKT", "市场环境"}, {"GOV", "政务环境"},
    {"LAW", "法治环境"}, {"HUM", "人文环境"}, {"OTHER", "其他"},
};

const hl_topic_t hl_topics[HL_TOPIC_COUNT] = {
    {"POL.SUBSIDY", POL, "惠企政策兑现", NDRC},
    {"POL.FEES", POL, "涉企收费", SAMR},
    {"POL.TAX", POL, "税费服务", TAX},
    {"POL.COMMIT", POL, "招商承诺兑现", COMMERCE},
    {"MKT.ENTRY", MKT, "市场准入与退出", SAMR},
    {"MKT.BIDDING", MKT, "招投标与政府采购", NDRC},
    {"MKT.COMPETITION", MKT, "公平竞争", SAMR},
    {"MKT.IP", MKT, "知识产权保护", SAMR},
    {"MKT.ARREARS", MKT, "拖欠企业账款", MIIT},
    {"MKT.UTILITY", MKT, "水电气网", POWER},
    {"MKT.CREDIT", MKT, "融资信贷", FINREG},
    {"MKT.LABOR", MKT, "用工与社保", HRSS},
    {"GOV.APPROVAL", GOV, "行政审批效率", APPROVAL},
    {"GOV.CONSTRUCTION", GOV, "工程建设审批", HOUSING},
    {"GOV.LAND", GOV, "用地与不动产", NATRES},
    {"GOV.SERVICE", GOV, "政务服务质量", GOVSVC},
    {"GOV.CONDUCT", GOV, "干部作风", DISCIPLINE},
    {"LAW.ENFORCE", LAW, "行政执法检查", JUSTICE},
    {"LAW.JUDICIAL", LAW, "司法与纠纷化解", COURT},
    {"LAW.SECURITY", LAW, "治安与权益保护", POLICE},
    {"LAW.CREDIT", LAW, "信用修复", NDRC},
    {"HUM.TALENT", HUM, "人才服务", HRSS},
    {"HUM.AMENITY", HUM, "园区生活配套", LOCAL},
    {"HUM.DIALOGUE", HUM, "政企沟通", NDRC},
    {"OTHER", OTH, "其他", HOTLINE},
};

const hl_label_t hl_depts[HL_DEPT_COUNT] = {
    {"NDRC", "市发展和改革委员会"},
    {"APPROVAL", "市行政审批局"},
    {"GOVSVC", "市政务服务管理办公室"},
    {"SAMR", "市市场监督管理局（知识产权局）"},
    {"TAX", "市税务局"},
    {"FINANCE", "市财政局"},
    {"MIIT", "市工业和信息化局"},
    {"COMMERCE", "市商务局"},
    {"HRSS", "市人力资源和社会保障局"},
    {"NATRES", "市自然资源和规划局"},
    {"HOUSING", "市住房和城乡建设局"},
    {"URBAN", "市城市管理局"},
    {"ECOENV", "市生态环境局"},
    {"EMERGENCY", "市应急管理局"},
    {"FIRE", "市消防救援支队"},
    {"POLICE", "市公安局"},
    {"JUSTICE", "市司法局"},
    {"COURT", "市中级人民法院"},
    {"FINREG", "市地方金融监督管理局"},
    {"EDUCATION", "市教育局"},
    {"HEALTH", "市卫生健康委员会"},
    {"TRANSPORT", "市交通运输局"},
    {"SCITECH", "市科学技术局"},
    {"DISCIPLINE", "市纪委监委"},
    {"POWER", "国网镇江供电公司"},
    {"WATER", "市供水公司"},
    {"GAS", "市燃气公司"},
    {"LOCAL", "属地政府（各市、区、园区管委会）"},
    {"HOTLINE", "12345热线办（人工分拣）"},
};

const hl_label_t hl_districts[HL_DISTRICT_COUNT] = {
    {"JK", "京口区"}, {"RZ", "润州区"}, {"DT", "丹徒区"},
    {"DY", "丹阳市"}, {"JR", "句容市"}, {"YZ", "扬中市"},
    {"XQ", "镇江新区"}, {"GX", "镇江高新区"}, {"UNK", "未知"},
};

/* Names and aliases seen in tickets (districts.tsv), each with its district. */
static const struct {
    const char *name;
    int district;
} district_names[] = {
    {"京口区", 0}, {"京口", 0}, {"京口區", 0},
    {"润州区", 1}, {"润州", 1}, {"潤州區", 1},
    {"丹徒区", 2}, {"丹徒", 2}, {"丹徒區", 2},
    {"丹阳市", 3}, {"丹阳", 3}, {"丹陽市", 3},
    {"句容市", 4}, {"句容", 4},
    {"扬中市", 5}, {"扬中", 5}, {"揚中市", 5},
    {"镇江新区", 6}, {"新区", 6}, {"镇江经开区", 6},
    {"镇江经济技术开发区", 6}, {"鎮江新區", 6},
    {"镇江高新区", 7}, {"高新区", 7}, {"镇江高新技术产业开发区", 7},
    {"鎮江高新區", 7},
};

static int eq(const char *s, size_t len, const char *z) {
    return strlen(z) == len && memcmp(s, z, len) == 0;
}

int hl_topic_find(const char *s, size_t len) {
    for (int i = 0; i < HL_TOPIC_COUNT; i++)
        if (eq(s, len, hl_topics[i].code))
            return i;
    return -1;
}

int hl_dept_find(const char *s, size_t len) {
    for (int i = 0; i < HL_DEPT_COUNT; i++)
        if (eq(s, len, hl_depts[i].code) || eq(s, len, hl_depts[i].name_zh))
            return i;
    return -1;
}

int hl_district_find(const char *s, size_t len) {
    while (len > 0 && *s == ' ')
        s++, len--;
    while (len > 0 && s[len - 1] == ' ')
        len--;
    for (size_t i = 0; i < sizeof district_names / sizeof district_names[0]; i++)
        if (eq(s, len, district_names[i].name))
            return district_names[i].district;
    for (int i = 0; i < HL_DISTRICT_UNK; i++)
        if (eq(s, len, hl_districts[i].code))
            return i;
    return HL_DISTRICT_UNK;
}
