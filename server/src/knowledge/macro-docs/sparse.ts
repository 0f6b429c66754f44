// sparse address-space and locking annotations (__user, __iomem, __rcu, __must_hold …), from
// include/linux/compiler_types.h.

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

const SPARSE_TEXT =
  'Checked by the sparse static analyzer (`make C=1` for files being recompiled, `make C=2` for all). For gcc it is empty or only a BTF type tag, so mistakes compile silently.';

export const SPARSE_DOCS: MacroDoc[] = [
  {
    name: '__user',
    category: 'sparse',
    summary: 'Marks a pointer to user-space memory that must not be dereferenced directly.',
    details: paragraphs(
      'Data behind a `__user` pointer must be accessed with `copy_from_user()`, `copy_to_user()`, `get_user()`, `put_user()` or `strncpy_from_user()`, which validate the address and handle faults. Typical places: ioctl arguments and the `buf` of `read`/`write` file operations.',
      SPARSE_TEXT,
    ),
    mistakes: [
      'Dereferencing it or using `memcpy()`/`strcpy()` on it.',
      'Ignoring the return value of `copy_*_user()`: it returns the number of bytes **not** copied; non-zero should become `-EFAULT`.',
      'Casting the annotation away without `__force`.',
    ],
    versionNotes: 'Unchanged in meaning from 6.1 to 7.x; with BTF debug info it also becomes a `btf_type_tag`.',
  },
  {
    name: '__iomem',
    category: 'sparse',
    summary: 'Marks a pointer to memory-mapped device I/O, which must be accessed with I/O accessors.',
    details: paragraphs(
      'Such pointers come from `ioremap()`, `devm_ioremap_resource()`, `devm_platform_ioremap_resource()`, `pci_iomap()`… Access them with `readl()`/`writel()`, `ioread32()`/`iowrite32()`, `memcpy_fromio()` etc., which guarantee the right access width and ordering.',
      SPARSE_TEXT,
    ),
    mistakes: ['Dereferencing it directly or passing it to `memset()`/`memcpy()`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__rcu',
    category: 'sparse',
    summary: 'Marks a pointer that is protected by RCU and must be read and written through the RCU accessors.',
    details: paragraphs(
      'Readers use `rcu_dereference()` inside `rcu_read_lock()`/`rcu_read_unlock()`; updaters publish with `rcu_assign_pointer()` and read with `rcu_dereference_protected()` while holding the update-side lock; `rcu_access_pointer()` only compares the value.',
      SPARSE_TEXT,
    ),
    mistakes: [
      'Plain loads/stores of the pointer, which skip the required memory ordering.',
      'Freeing the old object without waiting for a grace period (`synchronize_rcu()`/`kfree_rcu()`).',
    ],
    versionNotes: 'Unchanged in meaning from 6.1 to 7.x; newer kernels also attach a BTF type tag in non-sparse builds.',
  },
  {
    name: '__percpu',
    category: 'sparse',
    summary: 'Marks a pointer to per-CPU data, which must be converted with the per-CPU accessors before use.',
    details: paragraphs(
      'Such pointers come from `alloc_percpu()` or refer to `DEFINE_PER_CPU` variables. Use `per_cpu_ptr(p, cpu)`, `this_cpu_ptr(p)`, `this_cpu_read()`/`this_cpu_write()`/`this_cpu_inc()`, or `get_cpu_ptr()`/`put_cpu_ptr()`.',
      SPARSE_TEXT,
    ),
    mistakes: ['Dereferencing the per-CPU pointer itself.', 'Using `this_cpu_ptr()` while preemptible and then sleeping or migrating.'],
    versionNotes:
      '6.1: sparse address space plus a BTF tag. Newer kernels (about 6.15+) can additionally map it to a real compiler named address space on x86, so some misuse then fails to compile even without sparse (exact release unverified).',
  },
  {
    name: '__force',
    category: 'sparse',
    summary: 'Used in a cast to tell sparse that a conversion between address spaces or bitwise types is intentional.',
    details: paragraphs(
      'Example: `(__force u32)cpu_to_le32(x)` or `(void __force *)user_ptr` in low-level code. It silences the check, so keep it to the few places that really convert.',
      SPARSE_TEXT,
    ),
    mistakes: ['Sprinkling it to silence warnings instead of using the proper accessor.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__bitwise',
    category: 'sparse',
    summary: 'Makes a typedef a distinct "restricted" integer type for sparse, e.g. for endianness or flag types.',
    details: paragraphs(
      'Types such as `__le32`, `__be16`, `gfp_t` and `blk_opf_t` are declared `__bitwise`, so sparse warns when they are mixed with plain integers or with each other. Convert with `cpu_to_le32()`, `be16_to_cpu()` and friends.',
      SPARSE_TEXT,
    ),
    mistakes: ['Doing arithmetic on `__le32`/`__be32` values without converting them first.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__acquires',
    category: 'sparse',
    signature: '__acquires(lock)',
    summary: 'Documents (for sparse) that a function returns with `lock` held that it did not hold on entry.',
    details: paragraphs("Used on lock wrapper functions so that sparse's context checking does not report an imbalance.", SPARSE_TEXT),
    versionNotes: 'Meaning unchanged from 6.1 to 7.x; very recent kernels may also feed it to compiler-based lock analysis (unverified).',
  },
  {
    name: '__releases',
    category: 'sparse',
    signature: '__releases(lock)',
    summary: 'Documents (for sparse) that a function is entered with `lock` held and returns with it released.',
    details: paragraphs('The counterpart of `__acquires()` for unlock wrappers.', SPARSE_TEXT),
    versionNotes: 'Meaning unchanged from 6.1 to 7.x; very recent kernels may also feed it to compiler-based lock analysis (unverified).',
  },
  {
    name: '__must_hold',
    category: 'sparse',
    signature: '__must_hold(lock)',
    summary: 'Documents (for sparse) that the caller must hold `lock` when calling the function, and it is still held on return.',
    details: paragraphs('Helps reviewers and the checker see locking assumptions of helper functions.', SPARSE_TEXT),
    versionNotes: 'Meaning unchanged from 6.1 to 7.x; very recent kernels may also feed it to compiler-based lock analysis (unverified).',
  },
];
