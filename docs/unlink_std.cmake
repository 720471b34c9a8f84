# docs/unlink_std.cmake — cmake -DHTML_DIR=dir -P unlink_std.cmake, run by the docs target after
# doxygen. Doxygen resolves a name in a code snippet by its last part, so `std::max`,
# `std::sqrt` or `std::exp` in a snippet became links to attograd's own ag::max, ag::sqrt,
# ag::exp. No attograd name starts with std::, so every such link is wrong: this takes the link
# off and leaves the name as plain code (scripts/check-docs-links.sh checks that none is left).
file(GLOB pages "${HTML_DIR}/*.html")
foreach(page IN LISTS pages)
  file(READ "${page}" text)
  string(REGEX REPLACE "<a [^>]*>(std::[A-Za-z_0-9]+)</a>" "\\1" unlinked "${text}")
  if(NOT unlinked STREQUAL text)
    file(WRITE "${page}" "${unlinked}")
  endif()
endforeach()
