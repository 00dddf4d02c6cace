// A reader of .xlsx files for tests, independent of libxlsxwriter: the zip
// container parsed from its central directory and local file headers, each
// entry inflated with zlib, and the cells of a sheet read from its XML with
// the shared strings resolved. Enough to check what a report holds; not a
// general reader (no zip64, no encryption, inline rich text flattened).
// Included by test files only.
#ifndef TACIT_SRC_REPORTS_XLSX_TEST_READER_H_
#define TACIT_SRC_REPORTS_XLSX_TEST_READER_H_

#include <zlib.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tacit::xlsx_test {

inline uint32_t Le(std::string_view b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  return v;
}

// Every entry of a zip archive by name, inflated. nullopt when the bytes are
// not a zip archive this reader understands.
inline std::optional<std::map<std::string, std::string>> Unzip(std::string_view zip) {
  if (zip.size() < 22) return std::nullopt;
  size_t eocd = std::string_view::npos;
  for (size_t i = zip.size() - 22 + 1; i-- > 0;) {
    if (Le(zip, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return std::nullopt;
  const uint32_t entries = Le(zip, eocd + 10, 2);
  size_t at = Le(zip, eocd + 16, 4);
  std::map<std::string, std::string> out;
  for (uint32_t e = 0; e < entries; ++e) {
    if (at + 46 > zip.size() || Le(zip, at, 4) != 0x02014b50) return std::nullopt;
    const uint32_t method = Le(zip, at + 10, 2);
    const uint32_t compressed = Le(zip, at + 20, 4);
    const uint32_t size = Le(zip, at + 24, 4);
    const uint32_t name_len = Le(zip, at + 28, 2), extra_len = Le(zip, at + 30, 2), comment_len = Le(zip, at + 32, 2);
    const uint32_t local = Le(zip, at + 42, 4);
    const std::string name(zip.substr(at + 46, name_len));
    at += 46 + name_len + extra_len + comment_len;
    if (local + 30 > zip.size() || Le(zip, local, 4) != 0x04034b50) return std::nullopt;
    const size_t data = local + 30 + Le(zip, local + 26, 2) + Le(zip, local + 28, 2);
    if (data + compressed > zip.size()) return std::nullopt;
    const std::string_view raw = zip.substr(data, compressed);
    if (method == 0) {
      out[name] = std::string(raw);
      continue;
    }
    if (method != 8) return std::nullopt;
    std::string plain(size, '\0');
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return std::nullopt;  // raw deflate, as zip stores it
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    z.avail_in = static_cast<uInt>(raw.size());
    z.next_out = reinterpret_cast<Bytef*>(plain.data());
    z.avail_out = static_cast<uInt>(plain.size());
    const int rc = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if (rc != Z_STREAM_END || z.total_out != size) return std::nullopt;
    out[name] = std::move(plain);
  }
  return out;
}

inline std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    i = semi;
  }
  return out;
}

// The text of every <t>…</t> in `xml`, joined (rich text runs flattened).
inline std::string TextRuns(std::string_view xml) {
  std::string out;
  size_t at = 0;
  while ((at = xml.find("<t", at)) != std::string_view::npos) {
    const char after = xml[at + 2];
    if (after != '>' && after != ' ') {
      at += 2;
      continue;
    }
    const size_t open_end = xml.find('>', at);
    const size_t close = xml.find("</t>", open_end);
    out += Unescape(xml.substr(open_end + 1, close - open_end - 1));
    at = close + 4;
  }
  return out;
}

inline std::string Attribute(std::string_view tag, std::string_view name) {
  const std::string key = " " + std::string(name) + "=\"";
  const size_t at = tag.find(key);
  if (at == std::string_view::npos) return std::string();
  const size_t start = at + key.size();
  return Unescape(tag.substr(start, tag.find('"', start) - start));
}

struct Workbook {
  std::map<std::string, std::string> files;  // every entry of the zip
  std::vector<std::string> sheet_names;      // in workbook order
  // Cells of each sheet by reference ("A1"), shared strings resolved; numbers
  // as written in the XML ("12345.6").
  std::vector<std::map<std::string, std::string>> sheets;

  // The cells of the sheet named `name`; empty when there is none.
  const std::map<std::string, std::string>& Sheet(std::string_view name) const {
    static const std::map<std::string, std::string> kNone;
    for (size_t i = 0; i < sheet_names.size(); ++i) {
      if (sheet_names[i] == name) return sheets[i];
    }
    return kNone;
  }
};

inline std::optional<Workbook> ReadXlsx(std::string_view bytes) {
  auto files = Unzip(bytes);
  if (!files || !files->contains("xl/workbook.xml")) return std::nullopt;
  Workbook wb;
  wb.files = std::move(*files);
  std::vector<std::string> shared;
  if (auto it = wb.files.find("xl/sharedStrings.xml"); it != wb.files.end()) {
    const std::string& xml = it->second;
    size_t at = 0;
    while ((at = xml.find("<si>", at)) != std::string::npos) {
      const size_t end = xml.find("</si>", at);
      shared.push_back(TextRuns(std::string_view(xml).substr(at, end - at)));
      at = end;
    }
  }
  const std::string& book = wb.files["xl/workbook.xml"];
  size_t at = 0;
  while ((at = book.find("<sheet ", at)) != std::string::npos) {
    const size_t end = book.find('>', at);
    wb.sheet_names.push_back(Attribute(std::string_view(book).substr(at, end - at), "name"));
    at = end;
  }
  for (size_t i = 0; i < wb.sheet_names.size(); ++i) {
    // libxlsxwriter, like Excel, names the i-th sheet's part sheet<i>.xml.
    const std::string& xml = wb.files["xl/worksheets/sheet" + std::to_string(i + 1) + ".xml"];
    std::map<std::string, std::string> cells;
    size_t c = 0;
    while ((c = xml.find("<c ", c)) != std::string::npos) {
      const size_t tag_end = xml.find('>', c);
      const std::string_view tag = std::string_view(xml).substr(c, tag_end - c + 1);
      const std::string ref = Attribute(tag, "r"), type = Attribute(tag, "t");
      std::string value;
      if (tag.ends_with("/>")) {
        c = tag_end;
      } else {
        const size_t close = xml.find("</c>", tag_end);
        const std::string_view body = std::string_view(xml).substr(tag_end + 1, close - tag_end - 1);
        if (type == "inlineStr") {
          value = TextRuns(body);
        } else if (const size_t v = body.find("<v>"); v != std::string_view::npos) {
          value = Unescape(body.substr(v + 3, body.find("</v>") - v - 3));
          if (type == "s") value = shared.at(std::stoul(value));
        }
        c = close;
      }
      cells[ref] = value;
    }
    wb.sheets.push_back(std::move(cells));
  }
  return wb;
}

}  // namespace tacit::xlsx_test

#endif  // TACIT_SRC_REPORTS_XLSX_TEST_READER_H_
