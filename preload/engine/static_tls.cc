#include "preload/engine/static_tls.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace arenatrace::preload {
namespace {

struct ModuleSearch {
  uintptr_t address;
  const char* path = nullptr;
  void* tls_data = nullptr;
  bool found = false;
};

int FindModule(dl_phdr_info* info, size_t, void* data) {
  auto* search = static_cast<ModuleSearch*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD) continue;
    const uintptr_t start = info->dlpi_addr + segment.p_vaddr;
    if (search->address >= start && search->address - start < segment.p_memsz) {
      search->path = info->dlpi_name;
      search->tls_data = info->dlpi_tls_data;
      search->found = true;
      return 1;
    }
  }
  return 0;
}

// The value (the offset in the module's TLS block) of the TLS symbol `name`
// in the symbol table of the ELF file at `path`. Every offset read from the
// file is checked against its size.
std::optional<uint64_t> TlsSymbolValue(const char* path, const char* name) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat status;
  if (fstat(fd, &status) != 0 || status.st_size < static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
    close(fd);
    return std::nullopt;
  }
  const size_t size = static_cast<size_t>(status.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return std::nullopt;
  const auto* bytes = static_cast<const unsigned char*>(map);
  const auto* header = static_cast<const ElfW(Ehdr)*>(map);
  auto fits = [size](uint64_t offset, uint64_t length) {
    return offset <= size && length <= size - offset;
  };
  std::optional<uint64_t> value;
  if (memcmp(header->e_ident, ELFMAG, SELFMAG) == 0 && header->e_ident[EI_CLASS] == ELFCLASS64 &&
      header->e_shentsize == sizeof(ElfW(Shdr)) &&
      fits(header->e_shoff, uint64_t{header->e_shnum} * sizeof(ElfW(Shdr)))) {
    const auto* sections = reinterpret_cast<const ElfW(Shdr)*>(bytes + header->e_shoff);
    for (unsigned i = 0; i < header->e_shnum && !value; ++i) {
      const ElfW(Shdr)& table = sections[i];
      if (table.sh_type != SHT_SYMTAB || table.sh_link >= header->e_shnum ||
          table.sh_entsize != sizeof(ElfW(Sym)) || !fits(table.sh_offset, table.sh_size)) {
        continue;
      }
      const ElfW(Shdr)& strings = sections[table.sh_link];
      if (!fits(strings.sh_offset, strings.sh_size)) continue;
      const auto* symbols = reinterpret_cast<const ElfW(Sym)*>(bytes + table.sh_offset);
      const char* names = reinterpret_cast<const char*>(bytes + strings.sh_offset);
      const size_t name_length = strlen(name);
      for (size_t s = 0; s < table.sh_size / sizeof(ElfW(Sym)); ++s) {
        const ElfW(Sym)& symbol = symbols[s];
        if (ELF64_ST_TYPE(symbol.st_info) != STT_TLS || symbol.st_name >= strings.sh_size ||
            strings.sh_size - symbol.st_name <= name_length) {
          continue;
        }
        if (memcmp(names + symbol.st_name, name, name_length + 1) == 0) {
          value = symbol.st_value;
          break;
        }
      }
    }
  }
  munmap(map, size);
  return value;
}

uintptr_t ThreadPointer() {
#if defined(__x86_64__)
  uintptr_t pointer;
  __asm__("mov %%fs:0, %0" : "=r"(pointer));
  return pointer;
#else
  return 0;
#endif
}

}  // namespace

std::optional<long> ThreadLocalOffset(const void* address_in_library, const char* symbol) {
#if defined(__x86_64__)
  ModuleSearch search{reinterpret_cast<uintptr_t>(address_in_library)};
  dl_iterate_phdr(&FindModule, &search);
  if (!search.found || search.tls_data == nullptr) return std::nullopt;
  const char* path =
      search.path != nullptr && search.path[0] != '\0' ? search.path : "/proc/self/exe";
  const std::optional<uint64_t> value = TlsSymbolValue(path, symbol);
  if (!value) return std::nullopt;
  return static_cast<long>(reinterpret_cast<uintptr_t>(search.tls_data) + *value - ThreadPointer());
#else
  (void)address_in_library;
  (void)symbol;
  return std::nullopt;
#endif
}

}  // namespace arenatrace::preload
