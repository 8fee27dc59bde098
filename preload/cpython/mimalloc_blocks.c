/* The size of a mimalloc block, read from its page, for the free-threaded
 * build, where mimalloc stays CPython's allocator. C, not C++: mimalloc's
 * internal headers are C. */
#include <patchlevel.h>

#define Py_BUILD_CORE 1
#include <Python.h>

#if defined(Py_GIL_DISABLED)
#include <internal/pycore_mimalloc.h>

unsigned arenatrace_mimalloc_size_class(const void* block);

/* A block's page lies at a fixed place in its 32 MiB-aligned segment, and
 * every block of a page has the page's size: a few loads, no call, no lock
 * (the size of a page with live blocks does not change). Huge blocks, whose
 * exact size takes a call, are past 512 bytes anyway. */
unsigned arenatrace_mimalloc_size_class(const void* block) {
  const mi_segment_t* segment = _mi_ptr_segment(block);
  const mi_page_t* page = _mi_segment_page_of(segment, block);
  const size_t size = page->xblock_size;
  return size <= 512 ? (unsigned)((size + 15) / 16) : 0;
}
#endif
