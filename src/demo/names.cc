#include "demo/names.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace tacit::demo {
namespace {

struct Weighted {
  std::string_view text;
  int weight;  // per ten thousand, roughly the census share
};

// The most common surnames with their approximate share (2020 census), and a
// few compound surnames at their (small) real share.
constexpr Weighted kSurnames[] = {
    {"王", 710}, {"李", 700}, {"张", 640}, {"刘", 530}, {"陈", 450}, {"杨", 310}, {"赵", 230},
    {"黄", 220}, {"周", 210}, {"吴", 200}, {"徐", 170}, {"孙", 150}, {"胡", 130}, {"朱", 120},
    {"高", 120}, {"林", 118}, {"何", 117}, {"郭", 115}, {"马", 110}, {"罗", 90},  {"梁", 85},
    {"宋", 80},  {"郑", 80},  {"谢", 70},  {"韩", 70},  {"唐", 70},  {"冯", 68},  {"于", 62},
    {"董", 60},  {"肖", 55},  {"程", 55},  {"曹", 55},  {"袁", 52},  {"邓", 52},  {"许", 50},
    {"傅", 42},  {"沈", 42},  {"曾", 40},  {"彭", 40},  {"吕", 40},  {"苏", 38},  {"卢", 38},
    {"蒋", 37},  {"蔡", 37},  {"贾", 36},  {"丁", 36},  {"魏", 35},  {"薛", 34},  {"叶", 33},
    {"阎", 20},  {"闫", 25},  {"余", 32},  {"潘", 32},  {"杜", 31},  {"戴", 30},  {"夏", 30},
    {"钟", 30},  {"汪", 29},  {"田", 29},  {"任", 28},  {"姜", 28},  {"范", 28},  {"方", 27},
    {"石", 27},  {"姚", 26},  {"谭", 26},  {"廖", 25},  {"邹", 25},  {"熊", 25},  {"金", 24},
    {"陆", 24},  {"郝", 24},  {"孔", 23},  {"白", 23},  {"崔", 23},  {"康", 22},  {"毛", 22},
    {"邱", 22},  {"秦", 21},  {"江", 21},  {"史", 21},  {"顾", 20},  {"侯", 20},  {"邵", 20},
    {"孟", 20},  {"龙", 19},  {"万", 19},  {"段", 19},  {"雷", 18},  {"钱", 18},  {"汤", 18},
    {"尹", 17},  {"黎", 17},  {"易", 17},  {"常", 17},  {"武", 17},  {"乔", 16},  {"贺", 16},
    {"赖", 16},  {"龚", 16},  {"文", 15},  {"霍", 10},  {"申", 8},   {"温", 10},  {"牛", 8},
    {"欧阳", 6}, {"司马", 1}, {"上官", 1}, {"诸葛", 1}, {"皇甫", 1}, {"令狐", 1},
};

// Given names of the pensioners' generation. Whole two-character names that were
// very common then, characters that begin or end two-character names, and
// single-character names.
constexpr std::string_view kOldMaleWhole[] = {
    "建国", "建华", "建军", "国庆", "卫东", "卫国", "红旗", "援朝", "解放", "爱国", "志强",
    "志刚", "国强", "玉山", "德明", "文明", "永红", "振华", "树林", "金山", "长生", "福贵",
    "保国", "跃进", "胜利", "海军", "学文", "春生", "秋生", "满仓", "二虎", "铁柱",
};
constexpr std::string_view kOldMaleFirst[] = {
    "建", "国", "志", "德", "文", "永", "玉", "金", "长", "春", "海", "树", "宝", "光",
    "振", "明", "学", "双", "保", "来", "满", "福", "世", "有", "庆", "天", "新", "红",
    "卫", "东", "爱", "兴", "成", "俊", "广", "万", "守", "继", "凤", "清",
};
constexpr std::string_view kOldMaleSecond[] = {
    "国", "华", "民", "军", "平", "明", "林", "生", "成", "祥", "福", "才", "山",
    "忠", "贵", "富", "荣", "仁", "义", "发", "亮", "全", "良", "喜", "旺", "柱",
    "虎", "龙", "堂", "田", "元", "德", "庭", "强", "东", "峰", "昌", "清", "武",
    "奎", "顺", "彪", "茂", "海", "江", "斌", "勇", "刚", "杰", "文",
};
constexpr std::string_view kOldMaleSingle[] = {
    "伟", "强", "军", "平", "明", "华", "林", "刚", "勇", "杰", "斌", "文", "武", "福",
    "贵", "富", "宝", "成", "生", "海", "山", "忠", "德", "荣", "祥", "兴", "胜", "发",
    "全", "顺", "喜", "根", "亮", "义", "俊", "彬", "毅", "涛", "鹏", "辉",
};
constexpr std::string_view kOldFemaleWhole[] = {
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "桂珍", "淑珍", "凤英", "玉珍", "玉英", "秀珍",
    "丽娟", "淑英", "秀荣", "翠花", "改花", "粉香", "玉梅", "桂芳", "秀云", "凤兰", "金凤",
    "玉芳", "秀梅", "春梅", "爱华", "红梅", "月娥", "桂花", "素珍", "彩霞", "巧云",
};
constexpr std::string_view kOldFemaleFirst[] = {
    "秀", "桂", "玉", "金", "淑", "凤", "翠", "春", "美", "爱", "素", "月",
    "彩", "巧", "银", "丽", "红", "冬", "雪", "海", "小", "改", "粉", "宝",
    "喜", "兰", "雅", "惠", "慧", "文", "明", "荣", "云", "书",
};
constexpr std::string_view kOldFemaleSecond[] = {
    "英", "兰", "珍", "芳", "荣", "梅", "华", "琴", "云", "霞", "莲", "花",
    "娥", "香", "凤", "芝", "萍", "娟", "仙", "叶", "菊", "枝", "平", "玲",
    "清", "侠", "敏", "贞", "君", "琼", "燕", "蓉", "芬", "珠",
};
constexpr std::string_view kOldFemaleSingle[] = {
    "英", "兰", "芳", "珍", "凤", "梅", "霞", "琴", "萍", "云", "华", "秀", "娟", "丽",
    "敏", "静", "红", "玲", "燕", "莲", "菊", "娥", "香", "花", "翠", "芬", "荣", "洁",
};

// Younger people (born 1970-2008), for the strangers in partner feeds.
constexpr std::string_view kYoungMaleSingle[] = {
    "伟", "磊", "强", "勇", "军", "杰", "涛", "斌", "超", "明", "刚", "平",
    "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆",
    "帅", "旭", "宁", "龙", "林", "阳", "博", "晨", "昊", "轩", "睿",
};
constexpr std::string_view kYoungMaleFirst[] = {
    "子", "浩", "宇", "俊", "志", "海", "建", "晓", "文", "家", "天", "嘉", "明",
    "永", "雨", "佳", "思", "一", "梓", "博", "泽", "皓", "鹏", "晨", "国", "小",
};
constexpr std::string_view kYoungMaleSecond[] = {
    "轩", "涵", "宇", "豪", "杰", "然", "辰", "航", "博", "睿", "阳", "鹏", "飞", "强",
    "伟", "明", "峰", "磊", "龙", "斌", "洋", "成", "军", "华", "鑫", "凯", "浩", "文",
};
constexpr std::string_view kYoungFemaleSingle[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "颖",
    "琳", "欣", "洁", "倩", "萍", "红", "晶", "妍", "琪", "瑶", "璐", "蕾", "悦",
};
constexpr std::string_view kYoungFemaleFirst[] = {
    "晓", "雨", "欣", "佳", "思", "梓", "雅", "诗", "紫", "一", "可", "心",
    "子", "梦", "婉", "静", "美", "丽", "海", "春", "小", "文", "玉", "秀",
};
constexpr std::string_view kYoungFemaleSecond[] = {
    "涵", "怡", "萱", "琪", "彤", "妍", "婷", "雪", "玲", "燕", "琳", "慧", "颖", "悦",
    "瑶", "洁", "静", "丽", "娜", "霞", "晴", "然", "宁", "蕾", "月", "菲", "薇",
};

// Simplified → traditional, for the surnames and given-name characters drawn
// above (the spelling of an old household register, or of a clerk who writes
// traditional characters).
constexpr CharPair kTraditional[] = {
    {"张", "張"}, {"刘", "劉"}, {"陈", "陳"}, {"杨", "楊"}, {"赵", "趙"}, {"黄", "黃"}, {"吴", "吳"},
    {"孙", "孫"}, {"郑", "鄭"}, {"冯", "馮"}, {"韩", "韓"}, {"谢", "謝"}, {"邓", "鄧"}, {"许", "許"},
    {"苏", "蘇"}, {"卢", "盧"}, {"蒋", "蔣"}, {"贾", "賈"}, {"叶", "葉"}, {"钟", "鍾"}, {"罗", "羅"},
    {"邹", "鄒"}, {"谭", "譚"}, {"陆", "陸"}, {"顾", "顧"}, {"龙", "龍"}, {"钱", "錢"}, {"汤", "湯"},
    {"龚", "龔"}, {"赖", "賴"}, {"贺", "賀"}, {"乔", "喬"}, {"阎", "閻"}, {"万", "萬"}, {"欧", "歐"},
    {"阳", "陽"}, {"马", "馬"}, {"华", "華"}, {"国", "國"}, {"军", "軍"}, {"卫", "衛"}, {"东", "東"},
    {"庆", "慶"}, {"红", "紅"}, {"兰", "蘭"}, {"凤", "鳳"}, {"义", "義"}, {"贵", "貴"}, {"荣", "榮"},
    {"丽", "麗"}, {"云", "雲"}, {"宝", "寶"}, {"满", "滿"}, {"来", "來"}, {"兴", "興"}, {"广", "廣"},
    {"继", "繼"}, {"长", "長"}, {"树", "樹"}, {"学", "學"}, {"双", "雙"}, {"顺", "順"}, {"刚", "剛"},
    {"强", "強"}, {"胜", "勝"}, {"爱", "愛"}, {"莲", "蓮"}, {"艳", "艷"}, {"杰", "傑"}, {"鹏", "鵬"},
    {"辉", "輝"}, {"涛", "濤"}, {"飞", "飛"}, {"宁", "寧"}, {"伟", "偉"}, {"洁", "潔"}, {"琼", "瓊"},
    {"静", "靜"}, {"贞", "貞"}, {"发", "發"}, {"银", "銀"}, {"铁", "鐵"}, {"进", "進"}, {"跃", "躍"},
    {"书", "書"}, {"侠", "俠"}, {"凯", "凱"},
    {"仓", "倉"},
};

// Same toneless pinyin, both used in names: the clerk heard the name and chose
// the other character (秀英 / 秀瑛).
constexpr CharPair kSameSound[] = {
    {"英", "瑛"}, {"华", "骅"}, {"兰", "岚"}, {"芳", "方"}, {"珍", "贞"}, {"明", "铭"}, {"林", "琳"},
    {"平", "萍"}, {"红", "虹"}, {"梅", "玫"}, {"文", "雯"}, {"伟", "玮"}, {"刚", "钢"}, {"云", "芸"},
    {"霞", "侠"}, {"丽", "莉"}, {"燕", "艳"}, {"娟", "鹃"}, {"杰", "洁"}, {"建", "健"}, {"生", "升"},
    {"东", "冬"}, {"荣", "蓉"}, {"国", "帼"}, {"峰", "锋"}, {"凤", "奉"}, {"玲", "铃"}, {"琴", "勤"},
    {"清", "青"}, {"香", "湘"}, {"贵", "桂"}, {"秀", "绣"}, {"军", "君"}, {"强", "蔷"}, {"春", "椿"},
    {"莲", "连"}, {"斌", "彬"}, {"彬", "斌"}, {"涛", "滔"}, {"鹏", "朋"}, {"辉", "晖"}, {"静", "靖"},
    {"婷", "亭"}, {"玉", "钰"}, {"宝", "保"}, {"德", "得"}, {"山", "珊"}, {"忠", "中"}, {"祥", "翔"},
    {"萍", "苹"}, {"敏", "珉"},
};

// The length of the UTF-8 sequence that starts with `lead`.
size_t Utf8Length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

const CharPair* Find(std::span<const CharPair> table, std::string_view c) {
  for (const CharPair& p : table) {
    if (p.from == c) return &p;
  }
  return nullptr;
}

template <size_t N>
std::string_view Pick(Rng& rng, const std::string_view (&list)[N]) {
  return list[rng.Below(N)];
}

struct SurnameTable {
  std::vector<int> cumulative;
  int total = 0;
  SurnameTable() {
    for (const Weighted& w : kSurnames) {
      total += w.weight;
      cumulative.push_back(total);
    }
  }
  std::string_view Pick(Rng& rng) const {
    int r = static_cast<int>(rng.Below(static_cast<uint64_t>(total)));
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), r);
    return kSurnames[it - cumulative.begin()].text;
  }
};

const SurnameTable& Surnames() {
  static const SurnameTable table;
  return table;
}

void AppendTwo(Rng& rng, std::string_view first, const std::string_view* second, size_t n,
               std::string& out) {
  size_t i = rng.Below(n);
  if (second[i] == first) i = (i + 1) % n;  // no 秀秀: reduplicated names are rare
  out.append(first);
  out.append(second[i]);
}

}  // namespace

std::span<const CharPair> TraditionalForms() { return kTraditional; }
std::span<const CharPair> SameSoundForms() { return kSameSound; }

bool AppendTraditionalName(std::string_view name, std::string& out) {
  const size_t start = out.size();
  bool changed = false;
  for (size_t i = 0; i < name.size();) {
    const size_t n = std::min(Utf8Length(static_cast<unsigned char>(name[i])), name.size() - i);
    const std::string_view c = name.substr(i, n);
    const CharPair* p = Find(kTraditional, c);
    out.append(p ? p->to : c);
    changed |= p != nullptr;
    i += n;
  }
  if (!changed) out.resize(start);
  return changed;
}

bool AppendSameSoundName(Rng& rng, std::string_view name, std::string& out) {
  // Offsets of the characters after the first that have a same-sounding form.
  size_t candidates[8];
  size_t count = 0;
  const size_t first = name.empty() ? 0 : Utf8Length(static_cast<unsigned char>(name[0]));
  for (size_t i = first; i < name.size() && count < std::size(candidates);) {
    const size_t n = std::min(Utf8Length(static_cast<unsigned char>(name[i])), name.size() - i);
    if (Find(kSameSound, name.substr(i, n)) != nullptr) candidates[count++] = i;
    i += n;
  }
  if (count == 0) return false;
  const size_t at = candidates[rng.Below(count)];
  const size_t n = Utf8Length(static_cast<unsigned char>(name[at]));
  out.append(name.substr(0, at));
  out.append(Find(kSameSound, name.substr(at, n))->to);
  out.append(name.substr(at + n));
  return true;
}

void AppendName(Rng& rng, bool male, bool older, std::string& out) {
  out.append(Surnames().Pick(rng));
  const double u = rng.Uniform();
  if (older) {
    // About three in four of that generation have two-character given names.
    if (male) {
      if (u < 0.18) {
        out.append(Pick(rng, kOldMaleWhole));
      } else if (u < 0.75) {
        AppendTwo(rng, Pick(rng, kOldMaleFirst), kOldMaleSecond, std::size(kOldMaleSecond), out);
      } else {
        out.append(Pick(rng, kOldMaleSingle));
      }
    } else {
      if (u < 0.22) {
        out.append(Pick(rng, kOldFemaleWhole));
      } else if (u < 0.76) {
        AppendTwo(rng, Pick(rng, kOldFemaleFirst), kOldFemaleSecond, std::size(kOldFemaleSecond),
                  out);
      } else {
        out.append(Pick(rng, kOldFemaleSingle));
      }
    }
    return;
  }
  if (male) {
    if (u < 0.45) {
      out.append(Pick(rng, kYoungMaleSingle));
    } else {
      AppendTwo(rng, Pick(rng, kYoungMaleFirst), kYoungMaleSecond, std::size(kYoungMaleSecond),
                out);
    }
  } else {
    if (u < 0.45) {
      out.append(Pick(rng, kYoungFemaleSingle));
    } else {
      AppendTwo(rng, Pick(rng, kYoungFemaleFirst), kYoungFemaleSecond,
                std::size(kYoungFemaleSecond), out);
    }
  }
}

}  // namespace tacit::demo
