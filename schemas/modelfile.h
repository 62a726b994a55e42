#pragma once

// The layout of the compact model file, shared by the build tool that writes it
// (tools/compact_definitions.cpp) and the Model that reads it. Plain C++: the tool has no Qt.
//
//   "FHIRMDL1" | u32 little-endian index length | index (CBOR) | blobs (CBOR documents)
//
// The index lists types, search parameters, the Patient compartment and value sets; each type
// and value set points at its blob as [offset, length] relative to the end of the index.

#include <cstdint>

namespace fhir::schema::modelfile {

inline constexpr char kMagic[8] = {'F', 'H', 'I', 'R', 'M', 'D', 'L', '1'};
inline constexpr std::int64_t kHeaderSize = 12;
inline constexpr const char *kFileName = "fhir-r4.model";

struct BlobRef
{
    std::int64_t offset = 0;
    std::int64_t length = 0;
};

// Keys of one element in a type's blob.
namespace element {
inline constexpr const char *kPath = "p";
inline constexpr const char *kBasePath = "bp";
inline constexpr const char *kMin = "min";
inline constexpr const char *kMax = "max";
inline constexpr const char *kTypes = "t";
inline constexpr const char *kTypeCode = "c";
inline constexpr const char *kTypeSystem = "sys";
inline constexpr const char *kTypeTargets = "tp";
inline constexpr const char *kTypeProfiles = "pr";
inline constexpr const char *kTypeRegex = "rx";
inline constexpr const char *kContentReference = "cr";
inline constexpr const char *kShort = "s";
inline constexpr const char *kDefinition = "d";
inline constexpr const char *kComment = "cm";
inline constexpr const char *kRequirements = "rq";
inline constexpr const char *kMeaningWhenMissing = "mwm";
inline constexpr const char *kModifierReason = "mr";
inline constexpr const char *kSummary = "sum";
inline constexpr const char *kModifier = "mod";
inline constexpr const char *kMustSupport = "ms";
inline constexpr const char *kCondition = "cd";
inline constexpr const char *kConstraints = "k";
inline constexpr const char *kFixed = "fx";
inline constexpr const char *kPattern = "pt";
inline constexpr const char *kBinding = "b";
} // namespace element

} // namespace fhir::schema::modelfile
