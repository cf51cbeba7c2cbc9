/** One entry of a page's fact list (`<dl class="facts">`): a term and its value. */
export function Fact({
  term,
  testid,
  title,
  valueClass,
  children,
}: {
  term: string;
  testid?: string;
  title?: string;
  valueClass?: string;
  children: preact.ComponentChildren;
}) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testid} title={title} class={valueClass}>
        {children}
      </dd>
    </div>
  );
}
