#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace fhir::synthetic {

/// A small deterministic random source (SplitMix64). The standard library's distributions are
/// implementation-defined, so every draw here is computed by this class: the same seed gives
/// the same numbers with any compiler.
class Random
{
public:
    explicit Random(std::uint64_t seed)
        : m_state(seed)
    {
    }

    /// A stream for one purpose, independent of how many draws other streams made.
    static Random derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0)
    {
        Random r(seed ^ (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL));
        r.next();
        return r;
    }

    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// Uniform in [0, 1).
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
    /// Uniform integer in [low, high].
    int between(int low, int high) { return low + int(next() % std::uint64_t(high - low + 1)); }
    bool chance(double p) { return uniform() < p; }
    /// Normal distribution (Box–Muller).
    double normal(double mean, double sd)
    {
        const double u1 = 1.0 - uniform();
        const double u2 = uniform();
        return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    template<typename T> const T &pick(const std::vector<T> &items)
    {
        return items[size_t(next() % items.size())];
    }
    /// A version-4 style UUID made from this stream.
    std::string uuid()
    {
        static const char *hex = "0123456789abcdef";
        std::string out;
        const std::uint64_t a = next();
        const std::uint64_t b = next();
        for (int i = 0; i < 32; ++i) {
            const std::uint64_t word = i < 16 ? a : b;
            int nibble = int((word >> ((i % 16) * 4)) & 0xF);
            if (i == 12)
                nibble = 4;
            if (i == 16)
                nibble = 8 | (nibble & 3);
            if (i == 8 || i == 12 || i == 16 || i == 20)
                out += '-';
            out += hex[nibble];
        }
        return out;
    }

private:
    std::uint64_t m_state;
};

} // namespace fhir::synthetic
