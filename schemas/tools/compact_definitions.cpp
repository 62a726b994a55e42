// Build tool: reads the FHIR R4 definition files and writes the compact model file the
// `schemas` library loads at run time.
//
//   compact_definitions <dir with the spec's JSON files> <output file> <source label>
//
// The output is "FHIRMDL1", a little-endian u32 with the index length, the index as CBOR, then
// blobs of CBOR (one per type's elements, one per value set expansion). The index is small and
// read at start-up; a blob is decoded only when someone asks for that type or value set.
// The keys and layout are shared with schemas/modelfile.h; change both together.

#include "../modelfile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using nlohmann::json;
namespace key = fhir::schema::modelfile::element;

namespace {

json readJson(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    return json::parse(in);
}

std::string decodeEntities(std::string s)
{
    const std::pair<const char *, const char *> entities[]
        = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
    for (const auto &[from, to] : entities) {
        for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) {
            s.replace(pos, std::char_traits<char>::length(from), to);
            pos += std::char_traits<char>::length(to);
        }
    }
    return s;
}

std::string stringOr(const json &object, const char *key, const std::string &fallback = {})
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string extensionString(const json &object, const std::string &url)
{
    const auto it = object.find("extension");
    if (it == object.end())
        return {};
    for (const auto &ext : *it) {
        if (ext.value("url", "") != url)
            continue;
        for (const char *key : {"valueString", "valueUrl", "valueUri", "valueCode"}) {
            if (ext.contains(key))
                return ext[key].get<std::string>();
        }
    }
    return {};
}

std::string stripVersion(const std::string &canonical)
{
    const auto bar = canonical.find('|');
    return bar == std::string::npos ? canonical : canonical.substr(0, bar);
}

class BlobWriter
{
public:
    json add(const json &document)
    {
        const std::vector<std::uint8_t> bytes = json::to_cbor(document);
        const json ref = json::array({m_data.size(), bytes.size()});
        m_data.insert(m_data.end(), bytes.begin(), bytes.end());
        return ref;
    }
    const std::vector<std::uint8_t> &data() const { return m_data; }

private:
    std::vector<std::uint8_t> m_data;
};

// One element of a snapshot, with short keys (see schemas/modelfile.h).
json compactElement(const json &el, const std::string &ownUrl)
{
    json out = json::object();
    out[key::kPath] = el.at("path");
    if (const std::string base = stringOr(el.value("base", json::object()), "path");
        !base.empty() && base != el.at("path").get<std::string>())
        out[key::kBasePath] = base;
    out[key::kMin] = el.value("min", 0);
    out[key::kMax] = el.value("max", std::string("*"));
    if (el.contains("type")) {
        json types = json::array();
        for (const auto &t : el["type"]) {
            json type = json::object();
            std::string code = t.value("code", "");
            // Primitive `value` and `id` elements are typed with FHIRPath system URLs; the
            // FHIR type name sits in an extension.
            const std::string fhirType = extensionString(
                t, "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type");
            if (code.rfind("http://hl7.org/fhirpath/System.", 0) == 0) {
                type[key::kTypeSystem]
                    = code.substr(std::string("http://hl7.org/fhirpath/System.").size());
                if (!fhirType.empty())
                    code = fhirType;
            }
            type[key::kTypeCode] = code;
            if (t.contains("targetProfile"))
                type[key::kTypeTargets] = t["targetProfile"];
            if (t.contains("profile"))
                type[key::kTypeProfiles] = t["profile"];
            const std::string regex
                = extensionString(t, "http://hl7.org/fhir/StructureDefinition/regex");
            if (!regex.empty())
                type[key::kTypeRegex] = regex;
            types.push_back(std::move(type));
        }
        out[key::kTypes] = std::move(types);
    }
    if (el.contains("contentReference"))
        out[key::kContentReference] = el["contentReference"];
    for (const auto &[from, to] :
         {std::pair{"short", key::kShort}, std::pair{"definition", key::kDefinition},
          std::pair{"comment", key::kComment}, std::pair{"requirements", key::kRequirements},
          std::pair{"meaningWhenMissing", key::kMeaningWhenMissing},
          std::pair{"isModifierReason", key::kModifierReason}}) {
        if (el.contains(from))
            out[to] = el[from];
    }
    if (el.value("isSummary", false))
        out[key::kSummary] = true;
    if (el.value("isModifier", false))
        out[key::kModifier] = true;
    if (el.value("mustSupport", false))
        out[key::kMustSupport] = true;
    if (el.contains("condition"))
        out[key::kCondition] = el["condition"];
    if (el.contains("constraint")) {
        json constraints = json::array();
        for (const auto &c : el["constraint"]) {
            const std::string source = c.value("source", ownUrl);
            constraints.push_back({{"key", c.value("key", "")},
                                   {"sev", c.value("severity", "error")},
                                   {"h", c.value("human", "")},
                                   {"x", c.value("expression", "")},
                                   {"own", source == ownUrl}});
        }
        out[key::kConstraints] = std::move(constraints);
    }
    for (auto it = el.begin(); it != el.end(); ++it) {
        for (const auto &[prefix, target] :
             {std::pair{"fixed", key::kFixed}, std::pair{"pattern", key::kPattern}}) {
            const std::string name = it.key();
            if (name.rfind(prefix, 0) == 0 && name.size() > std::strlen(prefix)
                && std::isupper(static_cast<unsigned char>(name[std::strlen(prefix)]))) {
                std::string type = name.substr(std::strlen(prefix));
                type[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(type[0])));
                if (type.size() > 1 && std::isupper(static_cast<unsigned char>(type[1])))
                    type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
                out[target] = {{"type", type}, {"value", it.value()}};
            }
        }
    }
    if (el.contains("binding")) {
        const json &b = el["binding"];
        json binding = {{"str", b.value("strength", "")}};
        if (b.contains("valueSet"))
            binding["vs"] = b["valueSet"];
        if (b.contains("description"))
            binding["d"] = b["description"];
        const std::string name = extensionString(
            b, "http://hl7.org/fhir/StructureDefinition/elementdefinition-bindingName");
        if (!name.empty())
            binding["n"] = name;
        out[key::kBinding] = std::move(binding);
    }
    return out;
}

// Primitive types in JSON: the value regex from the `value` element's type extension.
std::string primitiveRegex(const json &sd)
{
    for (const auto &el : sd.at("snapshot").at("element")) {
        if (el.value("path", "") != sd.value("type", "") + ".value" || !el.contains("type"))
            continue;
        for (const auto &t : el["type"]) {
            const std::string rx
                = extensionString(t, "http://hl7.org/fhir/StructureDefinition/regex");
            if (!rx.empty())
                return rx;
        }
    }
    return {};
}

json compactType(const json &sd, BlobWriter &blobs)
{
    json out = json::object();
    const std::string name = sd.at("type");
    out["name"] = name;
    out["id"] = sd.at("id");
    out["url"] = sd.at("url");
    out["kind"] = sd.at("kind");
    out["abstract"] = sd.value("abstract", false);
    out["derivation"] = sd.value("derivation", "");
    if (sd.contains("baseDefinition")) {
        const std::string base = sd["baseDefinition"];
        out["base"] = base.substr(base.rfind('/') + 1);
    }
    out["category"] = decodeEntities(extensionString(
        sd, "http://hl7.org/fhir/StructureDefinition/structuredefinition-category"));
    out["status"] = extensionString(
        sd, "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status");
    out["description"] = sd.value("description", "");
    json elements = json::array();
    const std::string url = sd.at("url");
    for (const auto &el : sd.at("snapshot").at("element"))
        elements.push_back(compactElement(el, url));
    if (!elements.empty())
        out["short"] = elements[0].value(key::kShort, "");
    if (sd.value("kind", "") == "primitive-type")
        out["regex"] = primitiveRegex(sd);
    out["blob"] = blobs.add(elements);
    return out;
}

// ---- value sets ----------------------------------------------------------------------------

struct Concept
{
    std::string code;
    std::string display;
    std::vector<std::string> children;
};

struct CodeSystem
{
    std::string url;
    std::string content;
    std::vector<std::string> order; // every code, depth-first, as the file lists them
    std::map<std::string, Concept> concepts;
};

void collectConcepts(CodeSystem &cs, const json &concepts, const std::string &parent)
{
    for (const auto &c : concepts) {
        const std::string code = c.value("code", "");
        if (code.empty())
            continue;
        cs.order.push_back(code);
        cs.concepts[code] = Concept{code, c.value("display", ""), {}};
        if (!parent.empty())
            cs.concepts[parent].children.push_back(code);
        if (c.contains("concept"))
            collectConcepts(cs, c["concept"], code);
    }
}

struct Code
{
    std::string system;
    std::string code;
    std::string display;
    bool operator<(const Code &o) const
    {
        return std::tie(system, code) < std::tie(o.system, o.code);
    }
};

struct Expansion
{
    std::vector<Code> codes;
    bool complete = true;
    std::string note;
};

class ValueSetExpander
{
public:
    void addCodeSystem(const json &r)
    {
        CodeSystem cs;
        cs.url = r.value("url", "");
        cs.content = r.value("content", "complete");
        if (r.contains("concept"))
            collectConcepts(cs, r["concept"], {});
        m_codeSystems[cs.url] = std::move(cs);
    }
    void addValueSet(const json &r) { m_valueSets[r.value("url", "")] = r; }

    const std::map<std::string, json> &valueSets() const { return m_valueSets; }

    Expansion expand(const std::string &url)
    {
        if (const auto it = m_done.find(url); it != m_done.end())
            return it->second;
        if (m_inProgress.count(url))
            return {{}, false, "value set " + url + " includes itself"};
        const auto vs = m_valueSets.find(url);
        if (vs == m_valueSets.end())
            return {{}, false, "value set " + url + " is not in the spec's files"};
        m_inProgress.insert(url);
        Expansion result = expandCompose(vs->second.value("compose", json::object()));
        m_inProgress.erase(url);
        m_done[url] = result;
        return result;
    }

private:
    static void merge(Expansion &into, const Expansion &from)
    {
        if (!from.complete) {
            into.complete = false;
            if (into.note.empty())
                into.note = from.note;
        }
    }

    Expansion expandCompose(const json &compose)
    {
        Expansion out;
        std::set<Code> seen;
        for (const auto &inc : compose.value("include", json::array())) {
            Expansion part = expandInclude(inc);
            merge(out, part);
            for (auto &c : part.codes) {
                if (seen.insert(c).second)
                    out.codes.push_back(std::move(c));
            }
        }
        for (const auto &exc : compose.value("exclude", json::array())) {
            Expansion part = expandInclude(exc);
            std::set<Code> drop(part.codes.begin(), part.codes.end());
            std::erase_if(out.codes, [&](const Code &c) { return drop.count(c) > 0; });
            if (!part.complete) {
                out.complete = false;
                if (out.note.empty())
                    out.note = "an exclude could not be evaluated: " + part.note;
            }
        }
        return out;
    }

    Expansion expandInclude(const json &inc)
    {
        std::vector<Expansion> sets;
        if (inc.contains("system"))
            sets.push_back(expandSystemPart(inc));
        for (const auto &vs : inc.value("valueSet", json::array()))
            sets.push_back(expand(stripVersion(vs.get<std::string>())));
        if (sets.empty())
            return {};
        // Several parts in one include are intersected (ValueSet.compose.include rules).
        Expansion out = sets.front();
        for (size_t i = 1; i < sets.size(); ++i) {
            merge(out, sets[i]);
            std::set<Code> keep(sets[i].codes.begin(), sets[i].codes.end());
            std::erase_if(out.codes, [&](const Code &c) { return keep.count(c) == 0; });
        }
        return out;
    }

    Expansion expandSystemPart(const json &inc)
    {
        const std::string system = inc.at("system");
        const auto csIt = m_codeSystems.find(system);
        const CodeSystem *cs = csIt == m_codeSystems.end() ? nullptr : &csIt->second;
        auto displayOf = [&](const std::string &code, const std::string &given) {
            if (!given.empty() || cs == nullptr)
                return given;
            const auto c = cs->concepts.find(code);
            return c == cs->concepts.end() ? std::string() : c->second.display;
        };

        Expansion out;
        if (inc.contains("concept")) {
            for (const auto &c : inc["concept"]) {
                const std::string code = c.value("code", "");
                out.codes.push_back({system, code, displayOf(code, c.value("display", ""))});
            }
            return out;
        }
        if (cs == nullptr || cs->content != "complete") {
            return {{}, false, "codes from " + system + " are not defined in the spec's files"};
        }
        std::vector<std::string> codes = cs->order;
        for (const auto &f : inc.value("filter", json::array())) {
            const std::string prop = f.value("property", "");
            const std::string op = f.value("op", "");
            const std::string value = f.value("value", "");
            if (prop == "concept" && (op == "is-a" || op == "descendent-of")) {
                std::set<std::string> subtree;
                std::function<void(const std::string &)> walk = [&](const std::string &code) {
                    const auto c = cs->concepts.find(code);
                    if (c == cs->concepts.end())
                        return;
                    for (const auto &child : c->second.children) {
                        if (subtree.insert(child).second)
                            walk(child);
                    }
                };
                if (op == "is-a")
                    subtree.insert(value);
                walk(value);
                std::erase_if(codes, [&](const std::string &c) { return !subtree.count(c); });
            } else {
                return {
                    {}, false, "filter " + prop + " " + op + " on " + system + " is not evaluated"};
            }
        }
        for (const auto &code : codes)
            out.codes.push_back({system, code, displayOf(code, {})});
        return out;
    }

    std::map<std::string, CodeSystem> m_codeSystems;
    std::map<std::string, json> m_valueSets;
    std::map<std::string, Expansion> m_done;
    std::set<std::string> m_inProgress;
};

// ---- search parameters ---------------------------------------------------------------------

json compactSearchParameter(const json &sp)
{
    json out = {{"code", sp.value("code", "")},
                {"name", sp.value("name", "")},
                {"url", sp.value("url", "")},
                {"type", sp.value("type", "")},
                {"description", sp.value("description", "")},
                {"expression", sp.value("expression", "")},
                {"base", sp.value("base", json::array())}};
    for (const char *key : {"target", "modifier", "comparator", "chain"}) {
        if (sp.contains(key))
            out[key] = sp[key];
    }
    if (sp.contains("multipleOr"))
        out["multipleOr"] = sp["multipleOr"];
    if (sp.contains("multipleAnd"))
        out["multipleAnd"] = sp["multipleAnd"];
    if (sp.contains("component")) {
        json components = json::array();
        for (const auto &c : sp["component"])
            components.push_back({{"definition", c.value("definition", "")},
                                  {"expression", c.value("expression", "")}});
        out["component"] = std::move(components);
    }
    return out;
}

std::vector<json> bundleResources(const json &bundle)
{
    std::vector<json> out;
    if (bundle.value("resourceType", "") != "Bundle") {
        out.push_back(bundle);
        return out;
    }
    for (const auto &entry : bundle.value("entry", json::array())) {
        if (entry.contains("resource"))
            out.push_back(entry["resource"]);
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::cerr << "usage: compact_definitions <definitions dir> <output file> <source label>\n";
        return 2;
    }
    const std::string dir = argv[1];
    const std::string output = argv[2];
    try {
        BlobWriter blobs;
        json index = json::object();
        index["fhirVersion"] = "4.0.1";
        index["source"] = argv[3];

        // The R4 resource types are those of the spec's resource-types code system; the files
        // may carry extra StructureDefinitions (later-version backports) that R4 does not have.
        ValueSetExpander expander;
        std::set<std::string> resourceTypeCodes;
        for (const char *file : {"valuesets.json", "v3-codesystems.json"}) {
            for (const json &r : bundleResources(readJson(dir + "/" + file))) {
                if (r.value("resourceType", "") == "CodeSystem") {
                    expander.addCodeSystem(r);
                    if (r.value("url", "") == "http://hl7.org/fhir/resource-types") {
                        for (const auto &c : r.value("concept", json::array()))
                            resourceTypeCodes.insert(c.value("code", ""));
                    }
                } else if (r.value("resourceType", "") == "ValueSet") {
                    expander.addValueSet(r);
                }
            }
        }
        if (resourceTypeCodes.empty())
            throw std::runtime_error("the resource-types code system is missing");

        json types = json::array();
        for (const json &sd : bundleResources(readJson(dir + "/profiles-types.json"))) {
            if (sd.value("resourceType", "") != "StructureDefinition")
                continue;
            const std::string kind = sd.value("kind", "");
            if (kind == "primitive-type" || kind == "complex-type")
                types.push_back(compactType(sd, blobs));
        }
        size_t resourceCount = 0;
        for (const json &sd : bundleResources(readJson(dir + "/profiles-resources.json"))) {
            if (sd.value("resourceType", "") != "StructureDefinition"
                || sd.value("kind", "") != "resource"
                || !resourceTypeCodes.count(sd.value("type", "")))
                continue;
            types.push_back(compactType(sd, blobs));
            ++resourceCount;
        }
        index["types"] = std::move(types);

        json params = json::array();
        for (const json &sp : bundleResources(readJson(dir + "/search-parameters.json"))) {
            if (sp.value("resourceType", "") == "SearchParameter")
                params.push_back(compactSearchParameter(sp));
        }
        const size_t paramCount = params.size();
        index["searchParameters"] = std::move(params);

        const json compartment = readJson(dir + "/compartmentdefinition-patient.json");
        json members = json::object();
        for (const auto &r : compartment.value("resource", json::array())) {
            if (r.contains("param"))
                members[r.value("code", "")] = r["param"];
        }
        json compartments = json::object();
        compartments[compartment.value("code", "Patient")] = std::move(members);
        index["compartments"] = std::move(compartments);

        json valueSets = json::array();
        size_t complete = 0;
        for (const auto &[url, vs] : expander.valueSets()) {
            const Expansion e = expander.expand(url);
            json codes = json::array();
            for (const auto &c : e.codes)
                codes.push_back(json::array({c.system, c.code, c.display}));
            complete += e.complete ? 1 : 0;
            json doc = {{"codes", std::move(codes)}, {"complete", e.complete}};
            if (!e.note.empty())
                doc["note"] = e.note;
            valueSets.push_back({{"url", url},
                                 {"name", vs.value("name", "")},
                                 {"title", vs.value("title", "")},
                                 {"description", vs.value("description", "")},
                                 {"blob", blobs.add(doc)}});
        }
        const size_t valueSetCount = valueSets.size();
        index["valueSets"] = std::move(valueSets);

        const std::vector<std::uint8_t> indexBytes = json::to_cbor(index);
        std::ofstream out(output + ".tmp", std::ios::binary | std::ios::trunc);
        out.write(fhir::schema::modelfile::kMagic, sizeof fhir::schema::modelfile::kMagic);
        const auto length = static_cast<std::uint32_t>(indexBytes.size());
        const unsigned char lengthBytes[4] = {static_cast<unsigned char>(length & 0xff),
                                              static_cast<unsigned char>((length >> 8) & 0xff),
                                              static_cast<unsigned char>((length >> 16) & 0xff),
                                              static_cast<unsigned char>(length >> 24)};
        out.write(reinterpret_cast<const char *>(lengthBytes), sizeof lengthBytes);
        out.write(reinterpret_cast<const char *>(indexBytes.data()),
                  static_cast<std::streamsize>(indexBytes.size()));
        out.write(reinterpret_cast<const char *>(blobs.data().data()),
                  static_cast<std::streamsize>(blobs.data().size()));
        out.close();
        if (!out)
            throw std::runtime_error("cannot write " + output);
        std::rename((output + ".tmp").c_str(), output.c_str());
        std::cout << "compact_definitions: " << resourceCount << " resource types, " << paramCount
                  << " search parameters, " << valueSetCount << " value sets (" << complete
                  << " fully expanded); index " << indexBytes.size() << " bytes, blobs "
                  << blobs.data().size() << " bytes\n";
    } catch (const std::exception &e) {
        std::cerr << "compact_definitions: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
