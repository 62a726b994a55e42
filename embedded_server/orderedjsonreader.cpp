#include "orderedjsonreader.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fhir::server {

namespace {

using Json = nlohmann::ordered_json;

/// nlohmann's SAX interface, building the document bottom up.
class Builder
{
public:
    explicit Builder(int maxDepth)
        : m_maxDepth(maxDepth)
    {
    }

    bool tooDeep() const { return m_tooDeep; }
    Json take() { return std::move(m_root); }

    bool null() { return put(Json()); }
    bool boolean(bool value) { return put(Json(value)); }
    bool number_integer(Json::number_integer_t value) { return put(Json(value)); }
    bool number_unsigned(Json::number_unsigned_t value) { return put(Json(value)); }
    bool number_float(Json::number_float_t value, const std::string &) { return put(Json(value)); }
    bool string(std::string &value) { return put(Json(std::move(value))); }
    bool binary(Json::binary_t &value) { return put(Json::binary(std::move(value))); }

    bool start_object(std::size_t)
    {
        if (!enter())
            return false;
        m_frames.push_back({false, m_members.size(), Json()});
        return true;
    }

    bool key(std::string &key)
    {
        m_members.emplace_back(std::move(key), Json());
        return true;
    }

    bool end_object()
    {
        const std::size_t start = m_frames.back().start;
        m_frames.pop_back();
        --m_depth;
        Json object = Json::object();
        auto &members = object.get_ref<Json::object_t &>();
        members.reserve(m_members.size() - start);
        // A key written twice keeps its last value where it first stood; small objects are
        // searched, larger ones indexed, so a body of many keys stays linear.
        const bool indexed = m_members.size() - start > 16;
        m_positions.clear();
        for (std::size_t i = start; i < m_members.size(); ++i) {
            auto &[key, value] = m_members[i];
            if (indexed) {
                const auto [it, added] = m_positions.try_emplace(key, members.size());
                if (!added) {
                    (members.begin() + std::ptrdiff_t(it->second))->second = std::move(value);
                    continue;
                }
            } else if (const auto it
                       = std::find_if(members.begin(), members.end(),
                                      [&](const auto &member) { return member.first == key; });
                       it != members.end()) {
                it->second = std::move(value);
                continue;
            }
            members.emplace_back(std::move(key), std::move(value));
        }
        m_members.resize(start);
        return put(std::move(object));
    }

    bool start_array(std::size_t)
    {
        if (!enter())
            return false;
        m_frames.push_back({true, 0, Json::array()});
        return true;
    }

    bool end_array()
    {
        Json array = std::move(m_frames.back().array);
        m_frames.pop_back();
        --m_depth;
        return put(std::move(array));
    }

    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &)
    {
        return false;
    }

private:
    struct Frame
    {
        bool isArray;
        std::size_t start; ///< an object's first member in m_members
        Json array;
    };

    bool enter()
    {
        if (++m_depth > m_maxDepth) {
            m_tooDeep = true;
            return false;
        }
        return true;
    }

    bool put(Json &&value)
    {
        if (m_frames.empty())
            m_root = std::move(value);
        else if (m_frames.back().isArray)
            m_frames.back().array.push_back(std::move(value));
        else
            m_members.back().second = std::move(value);
        return true;
    }

    int m_maxDepth;
    int m_depth = 0;
    bool m_tooDeep = false;
    Json m_root;
    std::vector<Frame> m_frames;
    /// The members of every object still open, innermost last.
    std::vector<std::pair<std::string, Json>> m_members;
    std::unordered_map<std::string, std::size_t> m_positions; ///< of a large object's keys
};

} // namespace

JsonReadStatus readOrderedJson(const char *begin, const char *end, int maxDepth, Json &out)
{
    Builder builder(maxDepth);
    if (!Json::sax_parse(begin, end, &builder)) {
        out = Json();
        return builder.tooDeep() ? JsonReadStatus::TooDeep : JsonReadStatus::Malformed;
    }
    out = builder.take();
    return JsonReadStatus::Ok;
}

} // namespace fhir::server
